//! Wrong: outcomes taken as they come but read in the order given, like a loop over the calls with `?`: nothing leaks, but a failure counts only once every call before it has answered, so a late call that fails first is reported late, and the error is the earliest in the list, not the first to happen.

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
    let mut outcomes: Vec<Option<Result<T, E>>> = Vec::with_capacity(calls.len());
    for (place, call) in calls.into_iter().enumerate() {
        running.spawn(async move { (place, call.await) });
        outcomes.push(None);
    }
    let mut answers = Vec::with_capacity(outcomes.len());
    while let Some(joined) = running.join_next().await {
        match joined {
            Ok((place, outcome)) => outcomes[place] = Some(outcome),
            Err(failed) => {
                running.shutdown().await;
                std::panic::resume_unwind(failed.into_panic());
            }
        }
        // Read on from the first call not yet read, as far as the outcomes are in.
        while let Some(outcome) = outcomes.get_mut(answers.len()).and_then(Option::take) {
            match outcome {
                Ok(answer) => answers.push(answer),
                Err(error) => {
                    running.shutdown().await;
                    return Err(error);
                }
            }
        }
    }
    Ok(answers)
}
