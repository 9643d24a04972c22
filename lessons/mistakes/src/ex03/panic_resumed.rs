//! Wrong: aborted on drop, as it should be, but a panic in the work is re-raised in the caller: one failed job crashes the request's handler instead of coming back as an error it can answer.

use std::future::Future;

use tokio::task::JoinError;
use tokio_util::task::AbortOnDropHandle;

pub async fn run_in_task<F>(work: F) -> Result<F::Output, JoinError>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match AbortOnDropHandle::new(tokio::spawn(work)).await {
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        outcome => outcome,
    }
}
