//! Wrong: every call is joined, as with a WaitGroup, and the first error looked for afterwards: a call that fails at 10 ms is reported when the slowest call ends, the others run to their end for nothing, and a call that never answers keeps the caller waiting for good.

use futures::future::{BoxFuture, join_all};
use tokio_util::task::AbortOnDropHandle;

pub async fn all_or_first_error<T, E>(
    calls: Vec<BoxFuture<'static, Result<T, E>>>,
) -> Result<Vec<T>, E>
where
    T: Send + 'static,
    E: Send + 'static,
{
    let tasks = calls
        .into_iter()
        .map(|call| AbortOnDropHandle::new(tokio::spawn(call)));
    let mut answers = Vec::new();
    for joined in join_all(tasks).await {
        match joined {
            Ok(outcome) => answers.push(outcome?),
            Err(failed) => std::panic::resume_unwind(failed.into_panic()),
        }
    }
    Ok(answers)
}
