//! The fixed pool: workers that stop when told, the handlers that shed load and call
//! out with timeouts, and the same limit from tower's shelf.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use lessons::kit::{Flags, SlowBackend};
use lessons::scenarios::next_request;
use lessons::scenarios::workers::{QUEUE_CAPACITY, WORKERS, job_db};
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{Mutex, mpsc};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceBuilder;

/// A job: which request asked for it.
pub type Job = usize;

/// Seconds a shed client is told to wait before it tries again.
pub const RETRY_AFTER_SECONDS: u64 = 1;

// ANCHOR: workers
/// One worker: runs jobs until the queue closes or `shutdown` is cancelled, whichever
/// comes first, even while it waits for the next job.
pub async fn worker(
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
pub struct App {
    jobs: mpsc::Sender<Job>,
    upstream: SocketAddr,
    /// A client whose every call is bounded.
    client: reqwest::Client,
}

/// The upstream client: a connect timeout for a peer that is down, a total timeout
/// for one that accepted the connection and went quiet.
pub fn upstream_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_millis(100))
        .timeout(Duration::from_millis(200))
        .build()
        .expect("a plain-HTTP client with timeouts always builds")
}

/// Queues a job and answers 202, or answers 503 at once when the queue is full.
pub async fn enqueue(State(app): State<App>) -> Response {
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
pub async fn report(State(app): State<App>) -> (StatusCode, &'static str) {
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
pub fn tower_jobs(jobs_db: SlowBackend) -> Router {
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
pub struct Pool {
    pub router: Router,
    pub shutdown: CancellationToken,
    pub workers: TaskTracker,
    /// The jobs' database the workers share: its counts tell what the jobs did.
    pub jobs_db: SlowBackend,
    /// The database of the jobs run inline, behind tower's limits.
    pub inline_db: SlowBackend,
}

pub fn start(flags: &Flags, upstream: SocketAddr) -> Pool {
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
