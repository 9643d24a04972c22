//! Wrong: the listener stays open during the drain: a replica that is leaving goes on taking new connections, and the work they bring is cut at the deadline or lost at the exit, where another replica would have served it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use lessons::kit::{InFlight, wait_until};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use solutions::ex12_graceful_shutdown::Shutdown;

#[derive(Clone)]
struct Drain {
    stop: CancellationToken,
    cut: CancellationToken,
    under_way: InFlight,
    drained: Arc<AtomicUsize>,
    cut_count: Arc<AtomicUsize>,
}

async fn drain_or_cut(State(drain): State<Drain>, request: Request, next: Next) -> Response {
    let _counted = drain.under_way.enter();
    match drain.cut.run_until_cancelled(next.run(request)).await {
        Some(response) => {
            if drain.stop.is_cancelled() {
                drain.drained.fetch_add(1, Ordering::SeqCst);
            }
            response
        }
        None => {
            drain.cut_count.fetch_add(1, Ordering::SeqCst);
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
    let state = Drain {
        stop: stop.clone(),
        cut: CancellationToken::new(),
        under_way: InFlight::default(),
        drained: Arc::default(),
        cut_count: Arc::default(),
    };
    let router = router.layer(from_fn_with_state(state.clone(), drain_or_cut));
    // Served with no shutdown signal: the listener is open until the task is aborted.
    let server = tokio::spawn(axum::serve(listener, router).into_future());
    stop.cancelled().await;
    if !wait_until(drain, || state.under_way.now() == 0).await {
        state.cut.cancel();
        wait_until(drain, || state.under_way.now() == 0).await;
    }
    server.abort();
    background.close();
    let _ = tokio::time::timeout(drain, background.wait()).await;
    Shutdown {
        drained: state.drained.load(Ordering::SeqCst),
        cut: state.cut_count.load(Ordering::SeqCst),
    }
}
