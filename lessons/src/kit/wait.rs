//! Waiting, within a bound, for something that sends no signal.
//!
//! Some moments a lesson measures at have nothing to await: a task count falling back,
//! a connection's task ending after its socket closed, a logger getting through its
//! queue. The lesson then looks again every millisecond, so that it measures as soon as
//! the moment comes, up to a bound, so that it never hangs when the moment never comes.

use std::time::Duration;

use tokio::time::Instant;

/// Waits up to `within` until `condition` holds; returns whether it did. It reads
/// tokio's clock, so on a paused clock the bound passes at once when nothing else runs.
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use lessons::kit::{ms, wait_until};
///
/// # #[tokio::main] async fn main() {
/// let done = Arc::new(AtomicBool::new(false));
/// let flag = done.clone();
/// tokio::spawn(async move { flag.store(true, Ordering::SeqCst) });
/// assert!(wait_until(ms(1000), || done.load(Ordering::SeqCst)).await);
/// assert!(!wait_until(ms(10), || false).await);
/// # }
/// ```
pub async fn wait_until(within: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    while !condition() {
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    true
}
