//! Wrong: the other tasks are aborted and waited for when a call fails, as they should be, but only there: when the caller gives up first (a timeout, a client that hangs up), no line of this function runs again, the plain `JoinHandle`s are dropped, and every call runs on.

use futures::StreamExt;
use futures::future::BoxFuture;
use futures::stream::FuturesUnordered;
use tokio::task::AbortHandle;

pub async fn all_or_first_error<T, E>(
    calls: Vec<BoxFuture<'static, Result<T, E>>>,
) -> Result<Vec<T>, E>
where
    T: Send + 'static,
    E: Send + 'static,
{
    let mut running = FuturesUnordered::new();
    let mut aborts: Vec<AbortHandle> = Vec::with_capacity(calls.len());
    let mut answers: Vec<Option<T>> = Vec::with_capacity(calls.len());
    for (place, call) in calls.into_iter().enumerate() {
        let task = tokio::spawn(async move { (place, call.await) });
        aborts.push(task.abort_handle());
        running.push(task);
        answers.push(None);
    }
    while let Some(joined) = running.next().await {
        let failure = match joined {
            Ok((place, Ok(answer))) => {
                answers[place] = Some(answer);
                continue;
            }
            Ok((_, Err(error))) => Ok(error),
            Err(failed) => Err(failed),
        };
        aborts.iter().for_each(AbortHandle::abort);
        while running.next().await.is_some() {}
        match failure {
            Ok(error) => return Err(error),
            Err(failed) => std::panic::resume_unwind(failed.into_panic()),
        }
    }
    Ok(answers
        .into_iter()
        .map(|answer| answer.expect("every call answered, or the loop returned"))
        .collect())
}
