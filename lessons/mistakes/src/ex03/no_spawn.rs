//! Wrong: no task at all: cancels fine, but the work never leaves the caller's task, and a panic in it takes the caller down instead of coming back as an error.

use std::future::Future;

use tokio::task::JoinError;

pub async fn run_in_task<F>(work: F) -> Result<F::Output, JoinError>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    Ok(work.await)
}
