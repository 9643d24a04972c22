//! Wrong: the task is aborted after it has been awaited: harmless when the work ends, useless when the caller is dropped at the `.await`, because the line after it never runs.

use std::future::Future;

use tokio::task::JoinError;

pub async fn run_in_task<F>(work: F) -> Result<F::Output, JoinError>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let task = tokio::spawn(work);
    let abort = task.abort_handle();
    let output = task.await;
    abort.abort();
    output
}
