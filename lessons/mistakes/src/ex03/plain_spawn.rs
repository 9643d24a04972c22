//! Wrong: `tokio::spawn` alone: dropping the caller drops the JoinHandle, which detaches the task, and the work runs on after the request has gone.

use std::future::Future;

use tokio::task::JoinError;

pub async fn run_in_task<F>(work: F) -> Result<F::Output, JoinError>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(work).await
}
