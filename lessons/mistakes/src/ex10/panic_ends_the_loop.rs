//! Wrong: `while let Some(Ok(..))` stops at the first `JoinError`: a call that panics ends the loop without a word, and the caller gets `Ok` with only the answers that were in by then, a list shorter than its calls, with nothing to say which are missing.

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
    while let Some(Ok((place, outcome))) = running.join_next().await {
        match outcome {
            Ok(answer) => answers[place] = Some(answer),
            Err(error) => {
                running.shutdown().await;
                return Err(error);
            }
        }
    }
    Ok(answers.into_iter().flatten().collect())
}
