//! Playing part of a lesson on tokio's paused clock.
//!
//! A scenario that does no I/O (in-process backends, timers, tasks) can run on a
//! runtime whose clock moves only when every task is waiting, and then jumps straight to
//! the next timer. Its times are exact and its counts the same on every run, however
//! busy the machine. On the real clock a task that wakes a few milliseconds late can
//! land on the other side of a deadline, and change what the lesson counts.

use std::future::Future;

/// Runs `scenario` on a current-thread runtime of its own, started paused, and returns
/// what it returned. Call it from a lesson's runtime; the scenario must do no I/O
/// (a paused clock would jump past a socket's wait).
///
/// ```
/// use lessons::kit::{ms, on_paused_clock};
/// use tokio::time::{Instant, sleep};
///
/// # #[tokio::main] async fn main() -> anyhow::Result<()> {
/// let slept = on_paused_clock(|| async {
///     let started = Instant::now();
///     sleep(ms(3_600_000)).await; // an hour, at once
///     started.elapsed()
/// })
/// .await?;
/// assert_eq!(slept, ms(3_600_000));
/// # Ok(()) }
/// ```
pub async fn on_paused_clock<F, Fut, T>(scenario: F) -> anyhow::Result<T>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = T>,
    T: Send + 'static,
{
    // A runtime is started from a thread that is not running one: a blocking task's.
    tokio::task::spawn_blocking(move || {
        let paused = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()?;
        Ok(paused.block_on(scenario()))
    })
    .await?
}
