//! Bounded waits for the exercise graders.
//!
//! A grader must never hang: a learner's half-finished code that waits forever has
//! to fail within seconds, with a message that says what probably went wrong. Under
//! paused tokio time a stuck future makes the runtime idle, the clock jumps to the
//! bound, and the grader fails at once, deterministically.

use std::future::Future;
use std::time::Duration;

/// Awaits `work`, or fails the test if it takes longer than `limit`.
///
/// `what` names the work ("fan_out over 4 calls"), `hint` says what probably went
/// wrong if it never finished.
///
/// ```should_panic
/// use lessons::kit::{grading, ms};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// grading::within(ms(10), "waiting on nothing", "it never ends", std::future::pending::<()>()).await;
/// # }
/// ```
pub async fn within<F: Future>(limit: Duration, what: &str, hint: &str, work: F) -> F::Output {
    match tokio::time::timeout(limit, work).await {
        Ok(output) => output,
        Err(_) => panic!(
            "\n{what} did not finish within {} ms.\nhint: {hint}\n",
            limit.as_millis()
        ),
    }
}

/// Lets every task that is ready run, so that counters reflect what has happened.
///
/// Under the current-thread runtime of a grader, spawned tasks run only when the test
/// yields; this yields enough times for a chain of wake-ups to play out.
pub async fn let_tasks_run() {
    for _ in 0..64 {
        tokio::task::yield_now().await;
    }
}
