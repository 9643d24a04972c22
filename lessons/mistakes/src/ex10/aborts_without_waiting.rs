//! Wrong: returns the first error and lets the `JoinSet`'s drop abort the rest, without waiting for them to be gone: an abort lands at a task's next `.await`, so a call busy on another thread is still running, and finishing its work, after the caller has moved on.

use futures::future::BoxFuture;
use tokio::task::JoinSet;

pub async fn all_or_first_error<T, E>(
    calls: Vec<BoxFuture<'static, Result<T, E>>>,
) -> Result<Vec<T>, E>
where
    T: Send + 'static,
    E: Send + 'static,
{
    let mut running = JoinSet::new();
    let mut answers: Vec<Option<T>> = Vec::with_capacity(calls.len());
    for (place, call) in calls.into_iter().enumerate() {
        running.spawn(async move { (place, call.await) });
        answers.push(None);
    }
    while let Some(joined) = running.join_next().await {
        match joined {
            Ok((place, Ok(answer))) => answers[place] = Some(answer),
            Ok((_, Err(error))) => return Err(error),
            Err(failed) => std::panic::resume_unwind(failed.into_panic()),
        }
    }
    Ok(answers
        .into_iter()
        .map(|answer| answer.expect("every call answered, or the loop returned"))
        .collect())
}
