//! Wrong: the drain has no deadline: one request that never ends (a stuck upstream, a stream nobody closes) holds the shutdown until the orchestrator kills the process, and everything a bounded shutdown would have saved is lost with it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::middleware::{Next, from_fn};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use solutions::ex12_graceful_shutdown::Shutdown;

pub async fn serve_until_stopped(
    listener: TcpListener,
    router: Router,
    stop: CancellationToken,
    drain: Duration,
    background: TaskTracker,
) -> Shutdown {
    let drained = Arc::new(AtomicUsize::new(0));
    let router = router.layer(from_fn({
        let (stop, drained) = (stop.clone(), drained.clone());
        move |request: Request, next: Next| {
            let (stop, drained) = (stop.clone(), drained.clone());
            async move {
                let response = next.run(request).await;
                if stop.is_cancelled() {
                    drained.fetch_add(1, Ordering::SeqCst);
                }
                response
            }
        }
    }));
    // Waits for every request under way, however long it takes.
    let _ = axum::serve(listener, router)
        .with_graceful_shutdown(stop.cancelled_owned())
        .await;
    background.close();
    let _ = tokio::time::timeout(drain, background.wait()).await;
    Shutdown {
        drained: drained.load(Ordering::SeqCst),
        cut: 0,
    }
}
