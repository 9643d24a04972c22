//! Wrong: plain spawned tasks awaited in the order given, with `?`: a later call that fails first is heard of only when every call before it has answered, and on the way out the tasks left are detached, not stopped, so their calls run on after the error.

use futures::future::BoxFuture;

pub async fn all_or_first_error<T, E>(
    calls: Vec<BoxFuture<'static, Result<T, E>>>,
) -> Result<Vec<T>, E>
where
    T: Send + 'static,
    E: Send + 'static,
{
    let tasks: Vec<_> = calls.into_iter().map(tokio::spawn).collect();
    let mut answers = Vec::with_capacity(tasks.len());
    for task in tasks {
        match task.await {
            Ok(outcome) => answers.push(outcome?),
            Err(failed) => std::panic::resume_unwind(failed.into_panic()),
        }
    }
    Ok(answers)
}
