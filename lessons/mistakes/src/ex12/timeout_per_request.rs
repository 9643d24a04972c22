//! Wrong: `drain` becomes a time limit on every request (what a `TimeoutLayer` gives), not one deadline counted from the stop: any request longer than the drain is cut with a 503 even when no stop ever comes, and one well under way at the stop is cut before the deadline it had.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;
use tokio::time::timeout;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use solutions::ex12_graceful_shutdown::Shutdown;

#[derive(Clone)]
struct Limit {
    stop: CancellationToken,
    drain: Duration,
    drained: Arc<AtomicUsize>,
    cut: Arc<AtomicUsize>,
}

/// Each request gets `drain` from when it arrives, stop or no stop.
async fn time_limit(State(limit): State<Limit>, request: Request, next: Next) -> Response {
    match timeout(limit.drain, next.run(request)).await {
        Ok(response) => {
            if limit.stop.is_cancelled() {
                limit.drained.fetch_add(1, Ordering::SeqCst);
            }
            response
        }
        Err(_) => {
            limit.cut.fetch_add(1, Ordering::SeqCst);
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

pub async fn serve_until_stopped(
    listener: TcpListener,
    router: Router,
    stop: CancellationToken,
    drain: Duration,
    background: TaskTracker,
) -> Shutdown {
    let limit = Limit {
        stop: stop.clone(),
        drain,
        drained: Arc::default(),
        cut: Arc::default(),
    };
    let router = router.layer(from_fn_with_state(limit.clone(), time_limit));
    let server = axum::serve(listener, router)
        .with_graceful_shutdown(stop.clone().cancelled_owned())
        .into_future();
    // No deadline of its own: every request is bounded by the layer instead.
    let _ = server.await;
    background.close();
    let _ = timeout(drain, background.wait()).await;
    Shutdown {
        drained: limit.drained.load(Ordering::SeqCst),
        cut: limit.cut.load(Ordering::SeqCst),
    }
}
