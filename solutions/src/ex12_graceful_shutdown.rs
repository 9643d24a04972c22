//! Solution to exercise 12: the shutdown sequence of a small server.

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

/// What a shutdown did, for the last line the server logs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shutdown {
    /// Requests that finished after the stop, within the deadline.
    pub drained: usize,
    /// Requests still running at the deadline, and cut.
    pub cut: usize,
}

// ANCHOR: solution
/// What the layer around every request watches and counts.
#[derive(Clone)]
struct Drain {
    stop: CancellationToken,
    /// Cancelled at the deadline: the requests still running are cut.
    cut: CancellationToken,
    drained: Arc<AtomicUsize>,
    cut_count: Arc<AtomicUsize>,
}

/// Runs a request until it ends or the cut comes. A cut request's handler is dropped
/// there, and its client told 503, which it can retry elsewhere.
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

/// Serves until `stop`, then shuts down in order; see the exercise for the contract.
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
    // At the stop, axum drops the listener and lets each connection finish the request
    // it is serving; its future ends once every connection has closed.
    let server = axum::serve(listener, router)
        .with_graceful_shutdown(stop.clone().cancelled_owned())
        .into_future();
    let mut server = std::pin::pin!(server);
    // Serve until the stop. With nothing to drain, the server's future may end in the
    // same instant and win the race: a future that has ended must not be polled again.
    let ended = tokio::select! {
        _ = &mut server => true,
        () = stop.cancelled() => false,
    };
    // The deadline counts from the stop. Past it, the requests still running are cut,
    // and their connections close at once; that wait is bounded all the same.
    if !ended && timeout(drain, &mut server).await.is_err() {
        state.cut.cancel();
        let _ = timeout(drain, &mut server).await;
    }
    // `wait` resolves once the tracker is closed and empty: close it first.
    background.close();
    let _ = timeout(drain, background.wait()).await;
    Shutdown {
        drained: state.drained.load(Ordering::SeqCst),
        cut: state.cut_count.load(Ordering::SeqCst),
    }
}
// ANCHOR_END: solution
