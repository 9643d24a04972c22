//! Lesson 01: fanning out to slow backends.
//!
//! A handler needs four answers from a slow backend. Asked one after another, the
//! request takes the sum of the four latencies; asked all at once, it takes as long
//! as the slowest. Rust offers two ways to ask at once: futures joined in the handler,
//! or spawned tasks sending to a channel as Go's goroutines do. Both are fast here;
//! lesson 02 shows what the second one costs when a timeout enters.

use anyhow::Result;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use futures::future::join_all;
use lessons::kit::{Flags, Latency, Narrator, Report, Serve, SlowBackend, TestServer, run_lesson};
use lessons::scenarios::KEYS;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use std::time::Duration;
use tokio::sync::mpsc;

use tokio::time::Instant;
use tracing::{Instrument, debug_span};

const ABOUT: &str = "Lesson 01: one request, four slow backend calls: in sequence or all at once";

// ANCHOR: scenario
/// The backend: each key has its own latency, drawn once from the seed between 50
/// and 250 ms, so that every way of asking below faces the same four latencies.
fn backend(flags: &Flags, narrator: &Narrator) -> SlowBackend {
    let mut rng = StdRng::seed_from_u64(flags.seed);
    let latencies = KEYS.map(|key| (key, flags.ms(rng.random_range(50..250))));
    SlowBackend::new("backend", Latency::per_key(latencies), narrator)
}
// ANCHOR_END: scenario

// ANCHOR: sequential
/// One call after another: each `.await` waits for its call before the next starts.
async fn sequential(State(backend): State<SlowBackend>) -> String {
    let mut answers = Vec::new();
    for key in KEYS {
        answers.push(backend.call(key).await);
    }
    answers.join(", ")
}
// ANCHOR_END: sequential

// ANCHOR: concurrent
/// All four calls at once, as futures polled together by this handler. They live
/// inside the handler's own future: if it is dropped, so are they.
async fn concurrent(State(backend): State<SlowBackend>) -> String {
    let calls = KEYS.map(|key| backend.call(key));
    join_all(calls).await.join(", ")
}
// ANCHOR_END: concurrent

// ANCHOR: spawned
/// All four calls at once, Go style: a task per call, answers sent to a channel and
/// read in the order they arrive. Each task runs on its own, detached from the handler.
async fn spawned(State(backend): State<SlowBackend>) -> String {
    let (answers_tx, mut answers_rx) = mpsc::channel(KEYS.len());
    for key in KEYS {
        let backend = backend.clone();
        let answers_tx = answers_tx.clone();
        // The span puts the task under its request in `RUST_LOG=debug` output.
        let span = debug_span!("task", name = "call", key);
        tokio::spawn(
            async move {
                let answer = backend.call(key).await;
                // The handler reads all four answers, so it is still listening.
                let _ = answers_tx.send(answer).await;
            }
            .instrument(span),
        );
    }
    let mut answers = Vec::new();
    for _ in KEYS {
        answers.extend(answers_rx.recv().await);
    }
    answers.join(", ")
}
// ANCHOR_END: spawned

fn router(backend: SlowBackend) -> Router {
    Router::new()
        .route("/sequential", get(sequential))
        .route("/concurrent", get(concurrent))
        .route("/spawned", get(spawned))
        .with_state(backend)
}

// ANCHOR: drive
/// Times `GET path` from the client's side, in milliseconds.
async fn timed_get(server: &TestServer, narrator: &Narrator, path: &str) -> Result<u128> {
    narrator.say("client", format!("-> GET {path}"));
    let sent = Instant::now();
    let (status, body) = server.get(path).await?;
    let took = sent.elapsed().as_millis();
    narrator.say("client", format!("<- {status} {body:?} after {took} ms"));
    Ok(took)
}

/// The backend's own measure of the calls made while `request` ran.
async fn calls_during<T>(
    backend: &SlowBackend,
    request: impl Future<Output = T>,
) -> (T, Vec<Duration>) {
    let before = backend.stats().finished;
    let output = request.await;
    let calls = backend.stats().finished - before;
    (output, backend.recent_durations(calls))
}

async fn demo(flags: &Flags, narrator: &Narrator) -> Result<Report> {
    let backend = backend(flags, narrator);
    let server = TestServer::start(router(backend.clone())).await?;

    narrator.scenario("in sequence: the latencies add up");
    let (sequential, calls) =
        calls_during(&backend, timed_get(&server, narrator, "/sequential")).await;
    let sequential = sequential?;
    let sum_of_calls: Duration = calls.iter().sum();

    narrator.scenario("joined futures: as slow as the slowest call");
    let (concurrent, calls) =
        calls_during(&backend, timed_get(&server, narrator, "/concurrent")).await;
    let concurrent = concurrent?;
    let slowest_call = calls.into_iter().max().unwrap_or_default();
    // Only one call ran at a time until now: the peak is the joined handler's.
    let peak_in_flight = backend.stats().peak_in_flight;

    narrator.scenario("spawned tasks and a channel, as in Go: as fast, but detached");
    let spawned = timed_get(&server, narrator, "/spawned").await?;

    server.shutdown().await?;
    Ok(Report::new()
        .with("calls", KEYS.len())
        .with("slowest_ms", slowest_call.as_millis())
        .with("sum_ms", sum_of_calls.as_millis())
        .with("sequential_ms", sequential)
        .with("concurrent_ms", concurrent)
        .with("spawned_ms", spawned)
        .with("peak_in_flight", peak_in_flight))
}
// ANCHOR_END: drive

#[tokio::main]
async fn main() -> Result<()> {
    run_lesson(ABOUT, demo, |flags, narrator| Serve {
        router: router(backend(flags, narrator)),
        routes: vec!["/sequential", "/concurrent", "/spawned"],
        on_shutdown: None,
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn concurrent_takes_the_slowest_and_sequential_the_sum() {
        let report = demo(&Flags::for_test(7), &Narrator::quiet()).await.unwrap();
        let slowest = report.number("slowest_ms");
        let sum = report.number("sum_ms");
        let concurrent = report.number("concurrent_ms");
        // A response cannot come before the calls it waits for: these always hold.
        assert!(report.number("sequential_ms") >= sum, "{report}");
        assert!(concurrent >= slowest, "{report}");
        // Each call takes at least 50 ms, so the sum exceeds the slowest by at least
        // 150 ms: wide enough for a busy machine.
        assert!(concurrent < sum, "joined calls should not add up: {report}");
        assert!(
            report.number("spawned_ms") < sum,
            "spawned calls should not add up: {report}"
        );
        assert_eq!(report.number("peak_in_flight"), 4, "{report}");
    }
}
