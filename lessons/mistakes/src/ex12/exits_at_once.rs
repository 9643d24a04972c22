//! Wrong: returns as soon as the stop comes, without waiting for the requests under way: the process exits under them, and their clients get a reset connection instead of an answer.

use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use solutions::ex12_graceful_shutdown::Shutdown;

pub async fn serve_until_stopped(
    listener: TcpListener,
    router: Router,
    stop: CancellationToken,
    _drain: Duration,
    _background: TaskTracker,
) -> Shutdown {
    // Dropping the server's future here stops the accepting, and nothing else.
    tokio::select! {
        _ = axum::serve(listener, router).into_future() => {}
        () = stop.cancelled() => {}
    }
    Shutdown::default()
}
