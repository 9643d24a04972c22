//! Wrong: a call's panic is replaced by a new one made from the `JoinError`'s text: the others are stopped and the caller does panic, but with a string of this function's making, not the call's own payload, which is gone for good when it was not text.

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
            Ok((_, Err(error))) => {
                running.shutdown().await;
                return Err(error);
            }
            Err(failed) => {
                running.shutdown().await;
                panic!("{failed}");
            }
        }
    }
    Ok(answers
        .into_iter()
        .map(|answer| answer.expect("every call answered, or the loop returned"))
        .collect())
}
