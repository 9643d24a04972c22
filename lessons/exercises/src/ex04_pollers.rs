//! Exercise 04 (lesson `04_cancellation`): pollers in a cancellation tree.
//!
//! A service runs one poller per key, each calling a slow backend over and over.
//! Each must be stoppable alone, all must stop with the service, promptly, even in
//! the middle of a call, and the service must be able to wait until they are gone.
//! Grade it with `cargo test -p exercises --test ex04_pollers`.

use lessons::kit::SlowBackend;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

// ANCHOR: exercise
/// Starts one poller per key. A poller calls `db.call(key)` again and again, back to
/// back, until it is told to stop.
///
/// Returns one token per poller, in the order of `keys`. Cancelling a poller's token
/// stops that poller only; cancelling `shutdown` stops them all; a poller never
/// cancels `shutdown`. A poller told to stop in the middle of a call drops the call
/// and ends at once. Every poller runs on `tracker`, so that the caller can wait for
/// all of them to be gone.
pub fn start_pollers(
    db: &SlowBackend,
    keys: &[&str],
    shutdown: &CancellationToken,
    tracker: &TaskTracker,
) -> Vec<CancellationToken> {
    // TODO: give each poller a token of its own, derived from `shutdown`.
    // TODO: spawn each poller on `tracker`; in its loop, race each call against
    //       its token, so that a cancellation does not wait for the call to end.
    todo!("start a stoppable poller per key")
}
// ANCHOR_END: exercise
