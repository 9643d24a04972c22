//! Exercise 03 (lesson `03_timeout_fixed`): a spawned task that belongs to its caller.
//!
//! Some work must run in a task of its own (it must be `'static`, or run on another
//! worker thread), yet belong to the request that started it: when the request is
//! dropped by a timeout, the task must stop too. `tokio::spawn` alone detaches it.
//! Grade it with `cargo test -p exercises --test ex03_cancel_spawned`.

use std::future::Future;

use tokio::task::JoinError;

// ANCHOR: exercise
/// Runs `work` in a task of its own and waits for its output.
///
/// The task belongs to the caller: if the future this function returns is dropped
/// before the work is done (a timeout, a client that left), the task is aborted at
/// its next `.await`. A panic in the work comes back as an `Err`, not hidden.
pub async fn run_in_task<F>(work: F) -> Result<F::Output, JoinError>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    // TODO: spawn `work`, and wait for it.
    // TODO: make dropping this future abort the task (`tokio::spawn` alone does not).
    todo!("spawn the work so that it stops when its caller does")
}
// ANCHOR_END: exercise
