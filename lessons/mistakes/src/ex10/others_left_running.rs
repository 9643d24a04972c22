//! Wrong: the first error comes back at once, but nothing stops the other calls: dropping a set of `JoinHandle`s detaches their tasks, and each call runs to its end, holding its connection, for an answer nobody will read.

use futures::StreamExt;
use futures::future::BoxFuture;
use futures::stream::FuturesUnordered;

pub async fn all_or_first_error<T, E>(
    calls: Vec<BoxFuture<'static, Result<T, E>>>,
) -> Result<Vec<T>, E>
where
    T: Send + 'static,
    E: Send + 'static,
{
    let mut running = FuturesUnordered::new();
    let mut answers: Vec<Option<T>> = Vec::with_capacity(calls.len());
    for (place, call) in calls.into_iter().enumerate() {
        running.push(tokio::spawn(async move { (place, call.await) }));
        answers.push(None);
    }
    while let Some(joined) = running.next().await {
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
