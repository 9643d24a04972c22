//! Wrong: at the deadline it drops the server's future and returns, as if that cut the requests still running: axum serves each connection on a task of its own, so those requests go on, and the process exits under them with no answer sent.

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
    // Gives up on the server at the deadline, and its connections with it (it seems).
    if !ended {
        let _ = timeout(drain, &mut server).await;
    }
    background.close();
    let _ = timeout(drain, background.wait()).await;
    Shutdown {
        drained: state.drained.load(Ordering::SeqCst),
        cut: state.cut_count.load(Ordering::SeqCst),
    }
}
