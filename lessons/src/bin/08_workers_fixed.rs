//! Lesson 08: a pool that sheds load, stops when told, and calls out with timeouts.
//!
//! The pool of lesson 07, fixed. A full queue answers 503 with `Retry-After` at once,
//! instead of holding the request. Workers watch a cancellation token as well as the
//! queue, run on a `TaskTracker`, and are waited for at shutdown. The upstream client
//! has a connect timeout and a total timeout, so the hung upstream becomes a quick 504
//! with no task left waiting.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use lessons::kit::{
    Flags, Narrator, OnShutdown, Report, Serve, SlowBackend, TaskGauge, TestServer, burst, ms,
    run_lesson, wait_until,
};
use lessons::scenarios::next_request;
use lessons::scenarios::workers::{
    BURST, QUEUE_CAPACITY, WORKERS, burst_then_give_up, client_patience, hung_upstream, job_db,
    job_time, occupy_workers,
};
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{Mutex, mpsc};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceBuilder;

const ABOUT: &str = "Lesson 08: load shedding, workers that stop, client timeouts";

/// A job: which request asked for it.
type Job = usize;

/// Seconds a shed client is told to wait before it tries again.
const RETRY_AFTER_SECONDS: u64 = 1;

// ANCHOR: workers
/// One worker: runs jobs until the queue closes or `shutdown` is cancelled, whichever
/// comes first, even while it waits for the next job.
async fn worker(
    jobs: Arc<Mutex<mpsc::Receiver<Job>>>,
    db: SlowBackend,
    shutdown: CancellationToken,
) {
    loop {
        let next = async { jobs.lock().await.recv().await };
        let job = tokio::select! {
            () = shutdown.cancelled() => return,
            job = next => match job {
                Some(job) => job,
                None => return,
            },
        };
        // A job under way is cut short by a shutdown too; use `run_until_cancelled`'s
        // `None` to tell, if a job must be retried later.
        shutdown
            .run_until_cancelled(db.call(&format!("job {job}")))
            .await;
    }
}
// ANCHOR_END: workers

// ANCHOR: handlers
#[derive(Clone)]
struct App {
    jobs: mpsc::Sender<Job>,
    upstream: SocketAddr,
    /// A client whose every call is bounded.
    client: reqwest::Client,
}

/// The upstream client: a connect timeout for a peer that is down, a total timeout
/// for one that accepted the connection and went quiet.
fn upstream_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_millis(100))
        .timeout(Duration::from_millis(200))
        .build()
        .expect("a plain-HTTP client with timeouts always builds")
}

/// Queues a job and answers 202, or answers 503 at once when the queue is full.
async fn enqueue(State(app): State<App>) -> Response {
    match app.jobs.try_send(next_request()) {
        Ok(()) => StatusCode::ACCEPTED.into_response(),
        Err(TrySendError::Full(_) | TrySendError::Closed(_)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, RETRY_AFTER_SECONDS.to_string())],
            "busy: try again shortly\n",
        )
            .into_response(),
    }
}

/// Calls the upstream inline: no task to leave behind, and the client's timeout
/// bounds the call. Its error becomes a 504.
async fn report(State(app): State<App>) -> (StatusCode, &'static str) {
    let url = format!("http://{}/data", app.upstream);
    match app.client.get(url).send().await {
        Ok(_) => (StatusCode::OK, "report"),
        Err(error) if error.is_timeout() => (StatusCode::GATEWAY_TIMEOUT, "upstream timed out"),
        Err(_) => (StatusCode::BAD_GATEWAY, "upstream failed"),
    }
}
// ANCHOR_END: handlers

// ANCHOR: tower
/// The same promise from tower's shelf: at most `WORKERS` jobs at once, and a 503 at
/// once for a request that finds them all busy. No queue and no workers: the job runs
/// in the request's own handler, so its client waits for it (and leaving cancels it).
fn tower_jobs(jobs_db: SlowBackend) -> Router {
    let limits = ServiceBuilder::new()
        // LoadShed turns "not ready" into an error at once; this makes it a response.
        .layer(HandleErrorLayer::new(|_: tower::BoxError| async {
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, RETRY_AFTER_SECONDS.to_string())],
                "busy: try again shortly\n",
            )
        }))
        .load_shed()
        .concurrency_limit(WORKERS);
    let job = get(move || async move {
        jobs_db.call("job").await;
        StatusCode::OK
    });
    // `with_state` turns the handler into a service once, so that every request shares
    // the one limit; left to be converted per request, each would get a limit of its own.
    Router::new()
        .route("/jobs/inline", job.route_layer(limits))
        .with_state(())
}
// ANCHOR_END: tower

/// The pool, started, with what stops it.
struct Pool {
    router: Router,
    shutdown: CancellationToken,
    workers: TaskTracker,
    /// The jobs' database the workers share: its counts tell what the jobs did.
    jobs_db: SlowBackend,
    /// The database of the jobs run inline, behind tower's limits.
    inline_db: SlowBackend,
}

fn start(flags: &Flags, upstream: SocketAddr) -> Pool {
    let (jobs, receiver) = mpsc::channel(QUEUE_CAPACITY);
    let receiver = Arc::new(Mutex::new(receiver));
    let shutdown = CancellationToken::new();
    let workers = TaskTracker::new();
    let jobs_db = job_db(flags);
    for _ in 0..WORKERS {
        workers.spawn(worker(receiver.clone(), jobs_db.clone(), shutdown.clone()));
    }
    workers.close();
    let app = App {
        jobs,
        upstream,
        client: upstream_client(),
    };
    let inline_db = job_db(flags);
    let router = Router::new()
        .route("/enqueue", get(enqueue))
        .route("/report", get(report))
        .with_state(app)
        .merge(tower_jobs(inline_db.clone()));
    Pool {
        router,
        shutdown,
        workers,
        jobs_db,
        inline_db,
    }
}

// ANCHOR: drive
async fn demo(flags: &Flags, narrator: &Narrator) -> Result<Report> {
    let (upstream, _holding) = hung_upstream().await?;
    let gauge = TaskGauge::new();
    let pool = start(flags, upstream);
    let server = TestServer::start(pool.router.clone()).await?;
    let patience = client_patience(flags);

    narrator.scenario(format!(
        "{BURST} jobs at once: {WORKERS} busy workers, room for {QUEUE_CAPACITY} in the queue"
    ));
    let busy = occupy_workers(&server, &pool.jobs_db, ms(1000)).await;
    narrator.say(
        "server",
        format!(
            "{busy} workers busy, each on a job of {} ms",
            job_time(flags).as_millis()
        ),
    );
    // No handler here holds a request: the burst is in once every request is answered.
    let jobs = burst_then_give_up(&server, "/enqueue", BURST, || 0, patience).await;
    narrator.say(
        "client",
        format!(
            "{} accepted, {} told 503 to retry after {RETRY_AFTER_SECONDS} s, the slowest answer after {} ms",
            jobs.with_status(202),
            jobs.with_status(503),
            jobs.slowest.as_millis()
        ),
    );
    let retry_after = jobs.retry_after.as_deref().unwrap_or("none");

    narrator.scenario(format!(
        "the same burst against tower's ConcurrencyLimit + LoadShed: {WORKERS} at once, no queue"
    ));
    let running_inline = || pool.inline_db.stats().in_flight;
    let inline = burst_then_give_up(&server, "/jobs/inline", BURST, running_inline, patience).await;
    // A job ends when hyper notices that its client hung up.
    wait_until(ms(2000), || pool.inline_db.stats().in_flight == 0).await;
    let inline_stats = pool.inline_db.stats();
    narrator.say(
        "client",
        format!(
            "{} told 503 at once, {} waited on their job and gave up after {} ms",
            inline.with_status(503),
            inline.failed,
            patience.as_millis()
        ),
    );
    narrator.say(
        "server",
        format!(
            "jobs run: {}, cancelled with their clients: {}",
            inline_stats.started, inline_stats.cancelled
        ),
    );

    let calls = BURST / 10;
    narrator.scenario(format!(
        "{calls} calls to the upstream that never answers, with client timeouts"
    ));
    // Patient clients this time: the point is how soon the server answers on its own.
    let reports = burst(&server, "/report", calls).await;
    server.connections_closed(ms(2000)).await;
    narrator.say(
        "client",
        format!(
            "{} answers of 504, the slowest after {} ms",
            reports.with_status(504),
            reports.slowest.as_millis()
        ),
    );

    narrator
        .scenario("the server shuts down: the token stops the workers, the tracker waits for them");
    server.shutdown().await?;
    let stopping = Instant::now();
    pool.shutdown.cancel();
    pool.workers.wait().await;
    let cut_short = pool.jobs_db.stats().cancelled;
    narrator.say(
        "main",
        format!(
            "workers gone {} ms after the cancel, {cut_short} jobs cut short in the middle",
            stopping.elapsed().as_millis()
        ),
    );
    let leaked_tasks = gauge.settle(ms(200)).await;
    narrator.say(
        "gauge",
        format!("tasks alive above the baseline: {leaked_tasks}"),
    );

    Ok(Report::new()
        .with("accepted", jobs.with_status(202))
        .with("shed_503", jobs.with_status(503))
        .with("gave_up", jobs.failed)
        .with("retry_after", retry_after)
        .with("tower_jobs_run", inline_stats.started)
        .with("tower_shed_503", inline.with_status(503))
        .with("tower_jobs_cancelled", inline_stats.cancelled)
        .with("upstream_504", reports.with_status(504))
        .with("upstream_slowest_ms", reports.slowest.as_millis())
        .with("jobs_cut_short", cut_short)
        .with("workers_left", pool.workers.len())
        .with("leaked_tasks", leaked_tasks))
}
// ANCHOR_END: drive

#[tokio::main]
async fn main() -> Result<()> {
    let (upstream, _holding) = hung_upstream().await?;
    run_lesson(ABOUT, demo, move |flags, _| {
        let pool = start(flags, upstream);
        let (shutdown, workers, jobs_db) = (pool.shutdown, pool.workers, pool.jobs_db);
        // On Ctrl-C, the same shutdown the demo runs: the token, then the tracker.
        let on_shutdown: OnShutdown = Box::new(move || {
            Box::pin(async move {
                shutdown.cancel();
                workers.wait().await;
                format!(
                    "workers stopped: {} left, {} jobs cut short",
                    workers.len(),
                    jobs_db.stats().cancelled
                )
            })
        });
        Serve {
            router: pool.router,
            routes: vec!["/enqueue", "/jobs/inline", "/report"],
            on_shutdown: Some(on_shutdown),
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_pool_sheds_stops_and_leaves_nothing() {
        let report = demo(&Flags::for_test(7), &Narrator::quiet()).await.unwrap();
        // The workers are busy for the whole burst: the queue's room is all it finds.
        assert_eq!(report.number("accepted"), QUEUE_CAPACITY as u64, "{report}");
        assert_eq!(
            report.number("shed_503"),
            (BURST - QUEUE_CAPACITY) as u64,
            "a burst past the queue is shed: {report}"
        );
        assert_eq!(
            report.number("gave_up"),
            0,
            "no client waits long enough to give up: {report}"
        );
        assert_eq!(report.get("retry_after"), Some("1"), "{report}");
        assert_eq!(report.number("tower_jobs_run"), WORKERS as u64, "{report}");
        assert_eq!(
            report.number("tower_shed_503"),
            (BURST - WORKERS) as u64,
            "{report}"
        );
        assert_eq!(
            report.number("tower_jobs_cancelled"),
            WORKERS as u64,
            "an inline job ends with its client: {report}"
        );
        assert_eq!(
            report.number("upstream_504"),
            (BURST / 10) as u64,
            "{report}"
        );
        assert_eq!(
            report.number("jobs_cut_short"),
            WORKERS as u64,
            "the token stops the jobs under way too: {report}"
        );
        assert_eq!(report.number("workers_left"), 0, "{report}");
        assert_eq!(report.number("leaked_tasks"), 0, "{report}");
    }
}
