//! Wrong: no more calls at once than the machine has cores, as if each call computed: calls that wait on the network queue behind each other for nothing, and two hundred of them take a hundred rounds on a two-core machine.

use std::num::NonZero;

use futures::future::BoxFuture;
use tokio::task::JoinSet;

pub async fn all_or_first_error<T, E>(
    calls: Vec<BoxFuture<'static, Result<T, E>>>,
) -> Result<Vec<T>, E>
where
    T: Send + 'static,
    E: Send + 'static,
{
    let cores = std::thread::available_parallelism().map_or(1, NonZero::get);
    let mut answers: Vec<Option<T>> = calls.iter().map(|_| None).collect();
    let mut waiting = calls.into_iter().enumerate();
    let mut running = JoinSet::new();
    for (place, call) in waiting.by_ref().take(cores) {
        running.spawn(async move { (place, call.await) });
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
                std::panic::resume_unwind(failed.into_panic());
            }
        }
        if let Some((place, call)) = waiting.next() {
            running.spawn(async move { (place, call.await) });
        }
    }
    Ok(answers
        .into_iter()
        .map(|answer| answer.expect("every call answered, or the loop returned"))
        .collect())
}
