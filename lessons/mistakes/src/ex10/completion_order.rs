//! Wrong: answers pushed as the calls end: fast and clean, but the caller gets its answers in the order they happened to arrive, so the third answer it reads may belong to the first call.

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
    let mut answers = Vec::with_capacity(calls.len());
    for call in calls {
        running.spawn(call);
    }
    while let Some(joined) = running.join_next().await {
        match joined {
            Ok(Ok(answer)) => answers.push(answer),
            Ok(Err(error)) => {
                running.shutdown().await;
                return Err(error);
            }
            Err(failed) => {
                running.shutdown().await;
                std::panic::resume_unwind(failed.into_panic());
            }
        }
    }
    Ok(answers)
}
