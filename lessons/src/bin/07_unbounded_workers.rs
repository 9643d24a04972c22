//! Lesson 07: workers that never stop, handlers stuck on a full queue, a call that hangs.
//!
//! A pool of workers takes jobs from a queue. The workers are busy when a burst comes:
//! the queue fills, and each handler after that waits for room, for as long as it
//! takes. The workers hold a sender of their own (to re-queue failed jobs), so the
//! queue never closes and they never stop, even after the server has. And a handler
//! that calls an upstream with a client that has no timeout leaves, for every
//! request, a task waiting for an answer that never comes.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use lessons::kit::{
    Flags, InFlight, Narrator, Report, Serve, SlowBackend, TaskGauge, TestServer, burst, ms,
    run_lesson, wait_until,
};
use lessons::scenarios::next_request;
use lessons::scenarios::workers::{
    BURST, QUEUE_CAPACITY, WORKERS, burst_then_give_up, client_patience, hung_upstream, job_db,
    job_time, occupy_workers,
};
use tokio::sync::{Mutex, mpsc};
use tracing::{Instrument, debug_span};

const ABOUT: &str =
    "Lesson 07: unstoppable workers, handlers stuck on a full queue, a hung upstream";

/// A job: which request asked for it.
type Job = usize;

// ANCHOR: workers
/// One worker: takes the next job, runs it, and loops.
async fn worker(
    jobs: Arc<Mutex<mpsc::Receiver<Job>>>,
    db: SlowBackend,
    _requeue: mpsc::Sender<Job>,
) {
    // LEAK: this loop ends only when the queue closes, and the queue closes only when
    // every sender is gone. `_requeue` is one of them, held by the worker itself (for
    // jobs to retry): the queue never closes, and the worker never ends.
    loop {
        let Some(job) = jobs.lock().await.recv().await else {
            return;
        };
        db.call(&format!("job {job}")).await;
    }
}
// ANCHOR_END: workers

// ANCHOR: handlers
/// What the handlers share.
#[derive(Clone)]
struct App {
    jobs: mpsc::Sender<Job>,
    /// Handlers waiting for room in the queue.
    waiting: InFlight,
    /// Where the upstream API listens.
    upstream: SocketAddr,
    /// A client built with no timeout at all: `reqwest::Client::new()`.
    client: reqwest::Client,
    /// Upstream calls under way.
    upstream_calls: InFlight,
}

/// Queues a job and answers 202. When the queue is full, waits for room, however long.
async fn enqueue(State(app): State<App>) -> StatusCode {
    let _waiting = app.waiting.enter();
    // STUCK: `send` waits until a worker makes room. Nothing here bounds the wait;
    // only the client's patience does (when it hangs up, the handler is dropped).
    let queued = app.jobs.send(next_request()).await;
    if queued.is_ok() {
        StatusCode::ACCEPTED
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    }
}

/// Calls the upstream in a task of its own and gives up waiting after 100 ms, as the
/// article's Go handler does: the 504 goes out on time.
async fn report(State(app): State<App>) -> (StatusCode, &'static str) {
    let (answer_tx, answer_rx) = tokio::sync::oneshot::channel();
    // LEAK: the client has no timeout and the upstream never answers: this task waits
    // forever, one per request.
    let span = debug_span!("task", name = "upstream-call");
    tokio::spawn(
        async move {
            let _calling = app.upstream_calls.enter();
            let answer = app
                .client
                .get(format!("http://{}/data", app.upstream))
                .send()
                .await;
            let _ = answer_tx.send(answer.is_ok());
        }
        .instrument(span),
    );
    match tokio::time::timeout(Duration::from_millis(100), answer_rx).await {
        Ok(Ok(true)) => (StatusCode::OK, "report"),
        _ => (StatusCode::GATEWAY_TIMEOUT, "upstream timed out"),
    }
}
// ANCHOR_END: handlers

/// Starts the pool and returns the router and what the driver watches: the handlers'
/// state, and the jobs' database the workers share.
fn start(flags: &Flags, upstream: SocketAddr) -> (Router, App, SlowBackend) {
    let (jobs, receiver) = mpsc::channel(QUEUE_CAPACITY);
    let receiver = Arc::new(Mutex::new(receiver));
    let db = job_db(flags);
    for _ in 0..WORKERS {
        tokio::spawn(worker(receiver.clone(), db.clone(), jobs.clone()));
    }
    let app = App {
        jobs,
        waiting: InFlight::default(),
        upstream,
        client: reqwest::Client::new(),
        upstream_calls: InFlight::default(),
    };
    let router = Router::new()
        .route("/enqueue", get(enqueue))
        .route("/report", get(report))
        .with_state(app.clone());
    (router, app, db)
}

// ANCHOR: drive
async fn demo(flags: &Flags, narrator: &Narrator) -> Result<Report> {
    let (upstream, _holding) = hung_upstream().await?;
    let gauge = TaskGauge::new();
    let (router, app, jobs_db) = start(flags, upstream);
    let server = TestServer::start(router).await?;
    let patience = client_patience(flags);

    narrator.scenario(format!(
        "{BURST} jobs at once: {WORKERS} busy workers, room for {QUEUE_CAPACITY} in the queue"
    ));
    let busy = occupy_workers(&server, &jobs_db, ms(1000)).await;
    narrator.say(
        "server",
        format!(
            "{busy} workers busy, each on a job of {} ms",
            job_time(flags).as_millis()
        ),
    );
    let waiting = || app.waiting.now();
    let jobs = burst_then_give_up(&server, "/enqueue", BURST, waiting, patience).await;
    narrator.say(
        "client",
        format!(
            "{} accepted; {} gave up, {} ms after the whole burst was in",
            jobs.with_status(202),
            jobs.failed,
            patience.as_millis()
        ),
    );
    narrator.say(
        "server",
        format!(
            "at the peak, {} handlers were waiting for room in the queue",
            app.waiting.peak()
        ),
    );
    server.connections_closed(ms(2000)).await;
    // In Rust the client hanging up closes the connection, and hyper drops the
    // handler's future with it: the wait ends there. Go's handler would wait on.
    // The drop comes a moment after the close: give it that moment, far less than a job.
    wait_until(ms(500), || app.waiting.now() == 0).await;
    narrator.say(
        "server",
        format!(
            "handlers still waiting once the clients hung up: {}",
            app.waiting.now()
        ),
    );

    let calls = BURST / 10;
    narrator.scenario(format!(
        "{calls} calls to an upstream that never answers, with no client timeout"
    ));
    let reports = burst(&server, "/report", calls).await;
    server.connections_closed(ms(2000)).await;
    narrator.say(
        "client",
        format!("{} answers of 504 after 100 ms", reports.with_status(504)),
    );
    narrator.say(
        "server",
        format!("upstream calls still waiting: {}", app.upstream_calls.now()),
    );

    narrator.scenario("the server shuts down: what is left?");
    server.shutdown().await?;
    let leaked_tasks = gauge.settle(ms(200)).await;
    narrator.say(
        "gauge",
        format!("tasks alive above the baseline: {leaked_tasks} ({WORKERS} workers, and each hung call with its connection)"),
    );

    Ok(Report::new()
        .with("accepted", jobs.with_status(202))
        .with("gave_up", jobs.failed)
        .with("waiting_peak", app.waiting.peak())
        .with("hung_upstream_calls", app.upstream_calls.now())
        .with("leaked_tasks", leaked_tasks))
}
// ANCHOR_END: drive

#[tokio::main]
async fn main() -> Result<()> {
    let (upstream, _holding) = hung_upstream().await?;
    run_lesson(ABOUT, demo, move |flags, _| Serve {
        router: start(flags, upstream).0,
        routes: vec!["/enqueue", "/report"],
        on_shutdown: None,
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn workers_and_hung_calls_outlive_the_server() {
        let report = demo(&Flags::for_test(7), &Narrator::quiet()).await.unwrap();
        // The workers are busy for the whole burst: the queue's room is all it finds.
        assert_eq!(report.number("accepted"), QUEUE_CAPACITY as u64, "{report}");
        let shut_out = (BURST - QUEUE_CAPACITY) as u64;
        assert_eq!(report.number("waiting_peak"), shut_out, "{report}");
        assert_eq!(report.number("gave_up"), shut_out, "{report}");
        assert_eq!(
            report.number("hung_upstream_calls"),
            (BURST / 10) as u64,
            "{report}"
        );
        // The workers, plus each hung call and its client connection.
        assert!(
            report.number("leaked_tasks") >= (WORKERS + BURST / 10) as u64,
            "{report}"
        );
    }
}
