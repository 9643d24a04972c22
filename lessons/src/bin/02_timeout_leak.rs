//! Lesson 02: a timeout that answers, while the work goes on.
//!
//! Two ways to time out a request and stop nothing. First the context article's
//! handler: four spawned calls, a collector, and a `select!` that answers "timeout"
//! after 50 ms while the calls run on and finish unseen. Then the gin-timeout
//! article's middleware, in tower: it answers 408 and drops the handler, which in Rust
//! does cancel it, unless the handler spawned its work: then the second query is
//! still issued after the 408.

use std::time::Duration;

use anyhow::Result;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use lessons::kit::{
    Aftermath, Flags, Latency, Narrator, Report, SlowBackend, TaskGauge, TestServer, watch_request,
};
use tokio::sync::{mpsc, oneshot};
use tower_http::timeout::TimeoutLayer;

const ABOUT: &str = "Lesson 02: timeouts that answer on time and leave the work running";

/// The four things the fan-out handler asks for.
const KEYS: [&str; 4] = ["foo", "bar", "baz", "qux"];

// ANCHOR: scenario
/// The timing of both scenarios. Every backend call is slower than the timeout that
/// guards it, so every run shows the timeout firing while work is under way.
struct Timing {
    /// The fan-out handler gives up after this long.
    fanout_timeout: Duration,
    /// Each fan-out call takes a random time in this range: always past the timeout.
    fanout_latency: (Duration, Duration),
    /// The timeout middleware answers 408 after this long.
    middleware_timeout: Duration,
    /// The user handler's first query: slower than the middleware allows.
    first_query: Duration,
    /// Its second query, issued when the first returns.
    second_query: Duration,
}

impl Timing {
    fn new(flags: &Flags) -> Self {
        Timing {
            fanout_timeout: flags.ms(50),
            fanout_latency: (flags.ms(150), flags.ms(400)),
            middleware_timeout: flags.ms(100),
            first_query: flags.ms(150),
            second_query: flags.ms(50),
        }
    }
}
// ANCHOR_END: scenario

/// What the fan-out handler needs: the backend and its deadline.
#[derive(Clone)]
struct FanOut {
    backend: SlowBackend,
    timeout: Duration,
}

// ANCHOR: fanout_leak
/// The article's handler, in Rust: a task per call, a collector task, and a race
/// between the collected answers and a timer.
async fn fan_out_with_timeout(State(fan_out): State<FanOut>) -> String {
    let (answers_tx, mut answers_rx) = mpsc::channel(KEYS.len());
    for key in KEYS {
        let backend = fan_out.backend.clone();
        let answers_tx = answers_tx.clone();
        // LEAK: this task outlives the response: nothing holds its handle, nothing
        // tells it the answer is no longer wanted.
        tokio::spawn(async move {
            let answer = backend.call(key).await;
            let _ = answers_tx.send(answer).await;
        });
    }
    let (all_tx, all_rx) = oneshot::channel();
    // LEAK: so does the collector; it waits for all four answers whatever happens.
    tokio::spawn(async move {
        let mut answers = Vec::new();
        for _ in KEYS {
            answers.extend(answers_rx.recv().await);
        }
        // Go's collector would block here forever on an unbuffered channel; a tokio
        // oneshot just reports that nobody is listening, so this task ends, late.
        let _ = all_tx.send(answers.join(", "));
    });

    tokio::select! {
        Ok(answers) = all_rx => answers,
        _ = tokio::time::sleep(fan_out.timeout) => "timeout".to_owned(),
    }
}
// ANCHOR_END: fanout_leak

// ANCHOR: user_handlers
/// The gin article's handler, awaited directly: read the user, then record the visit.
async fn user_inline(State(db): State<SlowBackend>) -> String {
    let user = db.call("SELECT user").await;
    db.call("UPDATE last_seen").await;
    user
}

/// The same work, spawned and awaited: a common shape when work must be `'static`
/// or run on another worker thread. The timeout drops the `JoinHandle`, not the task.
async fn user_spawned(State(db): State<SlowBackend>) -> Result<String, StatusCode> {
    // LEAK: dropping a JoinHandle detaches the task; it runs on after the 408.
    let work = tokio::spawn(async move {
        let user = db.call("SELECT user").await;
        db.call("UPDATE last_seen").await;
        user
    });
    work.await.map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)
}
// ANCHOR_END: user_handlers

// ANCHOR: router
fn router(fan_out: FanOut, db: SlowBackend, middleware_timeout: Duration) -> Router {
    // tower-http's timeout answers 408 and drops the handler's future.
    let timeout = TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, middleware_timeout);
    let users = Router::new()
        .route("/user/inline", get(user_inline))
        .route("/user/spawned", get(user_spawned))
        .layer(timeout)
        .with_state(db);
    Router::new()
        .route("/fanout", get(fan_out_with_timeout))
        .with_state(fan_out)
        .merge(users)
}
// ANCHOR_END: router

fn backends(flags: &Flags, timing: &Timing, narrator: &Narrator) -> (FanOut, SlowBackend) {
    let (min, max) = timing.fanout_latency;
    let fan_out = FanOut {
        backend: SlowBackend::new("backend", Latency::between(min, max, flags.seed), narrator),
        timeout: timing.fanout_timeout,
    };
    let db = SlowBackend::new(
        "db",
        Latency::per_key([
            ("SELECT user", timing.first_query),
            ("UPDATE last_seen", timing.second_query),
        ]),
        narrator,
    );
    (fan_out, db)
}

// ANCHOR: drive
async fn demo(flags: &Flags, narrator: &Narrator) -> Result<Report> {
    let timing = Timing::new(flags);
    let (fan_out, db) = backends(flags, &timing, narrator);
    let server = TestServer::start(router(
        fan_out.clone(),
        db.clone(),
        timing.middleware_timeout,
    ))
    .await?;
    let gauge = TaskGauge::new();
    // Long enough for every leftover call to finish and be seen finishing.
    let linger = timing.fanout_latency.1 + timing.first_query + timing.second_query;

    narrator.scenario("fan-out with select! and a timer: \"timeout\" on time, work goes on");
    let fanout = watch_request(
        &server,
        "/fanout",
        &fan_out.backend,
        &gauge,
        narrator,
        linger,
    )
    .await?;

    narrator.scenario("timeout middleware, handler awaits its queries: dropped, so cancelled");
    let inline = watch_request(&server, "/user/inline", &db, &gauge, narrator, linger).await?;

    narrator
        .scenario("timeout middleware, handler awaits a spawned task: 408, then the second query");
    let spawned = watch_request(&server, "/user/spawned", &db, &gauge, narrator, linger).await?;

    server.shutdown().await?;
    Ok(report(&fanout, &inline, &spawned))
}

fn report(fanout: &Aftermath, inline: &Aftermath, spawned: &Aftermath) -> Report {
    Report::new()
        .with("responded_ms", fanout.responded.as_millis())
        .with(
            "body",
            if fanout.body == "timeout" {
                "timeout"
            } else {
                "answers"
            },
        )
        .with("leaked_tasks", fanout.leaked_tasks)
        .with("work_after_response", fanout.finished_after_response)
        .with("middleware_status", spawned.status.as_u16())
        .with("inline_second_query", inline.started_after_response)
        .with("inline_leaked_tasks", inline.leaked_tasks)
        .with("spawned_second_query", spawned.started_after_response)
        .with("spawned_leaked_tasks", spawned.leaked_tasks)
}
// ANCHOR_END: drive

#[tokio::main]
async fn main() -> Result<()> {
    let flags = Flags::from_env(ABOUT);
    let narrator = Narrator::new();
    narrator.intro(ABOUT, flags.seed);
    let report = demo(&flags, &narrator).await?;
    narrator.result(&report);
    if flags.serve {
        let timing = Timing::new(&flags);
        let (fan_out, db) = backends(&flags, &timing, &narrator);
        let server = TestServer::start(router(fan_out, db, timing.middleware_timeout)).await?;
        server
            .serve_until_ctrl_c(&narrator, &["/fanout", "/user/inline", "/user/spawned"])
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_timeout_answers_while_the_work_goes_on() {
        let report = demo(&Flags::for_test(7), &Narrator::quiet()).await.unwrap();
        assert_eq!(report.get("body"), Some("timeout"), "{report}");
        assert!(
            report.number("leaked_tasks") > 0,
            "spawned calls should outlive the response: {report}"
        );
        assert!(
            report.number("work_after_response") > 0,
            "calls should finish after the response: {report}"
        );
    }

    #[tokio::test]
    async fn the_middleware_cancels_awaited_work_but_not_spawned_work() {
        let report = demo(&Flags::for_test(7), &Narrator::quiet()).await.unwrap();
        assert_eq!(report.number("middleware_status"), 408, "{report}");
        assert_eq!(report.number("inline_second_query"), 0, "{report}");
        assert_eq!(report.number("inline_leaked_tasks"), 0, "{report}");
        assert_eq!(report.number("spawned_second_query"), 1, "{report}");
        assert!(report.number("spawned_leaked_tasks") > 0, "{report}");
    }
}
