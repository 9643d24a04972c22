//! Exercise 11 (lesson `03_timeout_fixed`): blocking work that stops at the deadline.
//!
//! The gin-timeout article's handler sleeps under a timeout middleware: the timeout
//! answers, and the work runs on to its end. In Rust, work that blocks its thread (a
//! long computation, a synchronous driver) has no `.await` where a timeout could stop
//! it, and while it runs in an async fn, no other task on that worker thread runs.
//! Move it off the worker, answer at the limit, and have it stop within a step of the
//! answer. Grade it with `cargo test -p exercises --test ex11_blocking_deadline`.

use std::time::Duration;

/// The steps did not all finish within the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimedOut;

// ANCHOR: exercise
/// Runs `step(0)`, `step(1)`, … `step(steps - 1)` in order, on a thread where blocking
/// is allowed (each step blocks its thread for a while), and returns their results in
/// order, or `Err(TimedOut)` as soon as `limit` has passed.
///
/// It never blocks the async worker thread that polls it, not even for one step. Once
/// it has given up, or once its caller has dropped it, the steps stop: the one under
/// way, which nothing can interrupt, runs to its end, and no other starts but, at
/// most, one that had just passed its check. A step that panics stops the steps, and
/// its panic reaches the caller as it was, the step's own payload, as if the steps had
/// run there.
pub async fn run_steps_within<T: Send + 'static>(
    steps: usize,
    step: impl Fn(usize) -> T + Send + 'static,
    limit: Duration,
) -> Result<Vec<T>, TimedOut> {
    // TODO: run the steps where blocking does not hold up other tasks.
    // TODO: answer `TimedOut` at `limit`, not when the step under way ends.
    // TODO: once nobody waits for the results, let no further step start.
    todo!("run the steps off the async worker, and stop them at the deadline")
}
// ANCHOR_END: exercise
