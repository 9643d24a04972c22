//! Wrong: waits for the background beside the drain, not after it: the tracker is empty at the stop, so `wait()` resolves at once, and the work that requests under way spawn during the drain (the audit line of the last orders) is still running when the process exits, and is lost.

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
struct Drain {
    stop: CancellationToken,
    cut: CancellationToken,
    drained: Arc<AtomicUsize>,
    cut_count: Arc<AtomicUsize>,
}

async fn drain_or_cut(State(drain): State<Drain>, request: Request, next: Next) -> Response {
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
        drained: Arc::default(),
        cut_count: Arc::default(),
    };
    let router = router.layer(from_fn_with_state(state.clone(), drain_or_cut));
    let server = axum::serve(listener, router)
        .with_graceful_shutdown(stop.clone().cancelled_owned())
        .into_future();
    let mut server = std::pin::pin!(server);
    let ended = tokio::select! {
        _ = &mut server => true,
        () = stop.cancelled() => false,
    };
    let drain_and_cut = async {
        if !ended && timeout(drain, &mut server).await.is_err() {
            state.cut.cancel();
            let _ = timeout(drain, &mut server).await;
        }
    };
    // Both at once, to save time: the background is waited for from the stop on.
    background.close();
    let _ = tokio::join!(drain_and_cut, timeout(drain, background.wait()));
    Shutdown {
        drained: state.drained.load(Ordering::SeqCst),
        cut: state.cut_count.load(Ordering::SeqCst),
    }
}
