//! Exercise 12 (lesson `08_workers_fixed`): the shutdown sequence of a small server.
//!
//! The server is told to stop (SIGTERM, when Kubernetes replaces a pod) while requests
//! are under way and its handlers have left work running in the background: a log line
//! to write, a cache to update. After a grace period the process will be killed
//! whatever it is doing, so every step of the shutdown must have a bound. Serve until
//! the stop, then shut down in order, and say what the drain did. Grade it with
//! `cargo test -p exercises --test ex12_graceful_shutdown`.

use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

// ANCHOR: exercise
/// What a shutdown did, for the last line the server logs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shutdown {
    /// Requests that finished after the stop, within the deadline.
    pub drained: usize,
    /// Requests still running at the deadline, and cut.
    pub cut: usize,
}

/// Serves `router` on `listener` until `stop` is cancelled, then shuts down:
///
/// 1. no new connection is accepted from the stop on;
/// 2. the requests under way may finish, until `drain` after the stop;
/// 3. those still running then are cut: their handler is dropped, their client gets
///    a 503 (Service Unavailable); every connection still open is then closed, one
///    whose peer is still sending its request headers included;
/// 4. the work the handlers spawned on `background` may finish too, for up to `drain`
///    more.
///
/// Returns as soon as the server has stopped and the background is done (or its time
/// is up), so that the process can exit and lose nothing it could have saved.
pub async fn serve_until_stopped(
    listener: TcpListener,
    router: Router,
    stop: CancellationToken,
    drain: Duration,
    background: TaskTracker,
) -> Shutdown {
    // TODO: steps 1 and 2: `axum::serve(...).with_graceful_shutdown(...)`, its future
    //       awaited under a deadline; step 3: a layer on the router that can cut a
    //       request, and a listener whose connections can be closed; step 4: the
    //       tracker, waited for with a bound too.
    todo!("serve, then shut down in order")
}
// ANCHOR_END: exercise
