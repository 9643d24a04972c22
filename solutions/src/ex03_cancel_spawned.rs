//! Solution to exercise 03: a spawned task that belongs to its caller.

use std::future::Future;

use tokio::task::JoinError;
use tokio_util::task::AbortOnDropHandle;

// ANCHOR: solution
/// Runs `work` in a task of its own and waits for its output; dropping the returned
/// future aborts the task.
pub async fn run_in_task<F>(work: F) -> Result<F::Output, JoinError>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    // A plain `JoinHandle` detaches its task when dropped; this wrapper aborts it.
    // A panic in the task comes back from `.await` as a `JoinError`.
    AbortOnDropHandle::new(tokio::spawn(work)).await
}
// ANCHOR_END: solution
