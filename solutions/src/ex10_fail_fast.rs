//! Solution to exercise 10: fail the rest when one fails.
//!
//! The calls are spawned on a `JoinSet`, which owns its tasks: dropping the set aborts
//! every task still in it. That drop is the whole of the cancellation when the caller
//! gives up early (a timeout, a client that hangs up): nothing else has to run.
//!
//! On an error this function does one thing more than drop the set: it shuts it down,
//! which aborts the tasks and then waits until each is gone. An abort is a request that
//! lands at the task's next `.await`; a call in the middle of a poll on another worker
//! thread finishes that poll first. Returning before then would leave it running.
//!
//! Two other ways fail fast too. `futures::future::try_join_all(calls)` with no spawn
//! at all returns the first error and drops the other calls with it; it is the simpler
//! answer when the calls only wait, but all of them then share the caller's task, and
//! so one thread. A `CancellationToken` (a child of the request's token) passed to every
//! call, each racing it in `select!`, is Go's `errgroup.WithContext` written out: the
//! first error cancels it. It needs a `drop_guard` to cover a caller that gives up, and
//! a way to wait for the calls to notice, which the `JoinSet` gives for free.

use futures::future::BoxFuture;
use tokio::task::JoinSet;

// ANCHOR: solution
/// Runs every call at once, each on a task of its own, and returns their answers in
/// the order given, or the first error as soon as it happens.
pub async fn all_or_first_error<T, E>(
    calls: Vec<BoxFuture<'static, Result<T, E>>>,
) -> Result<Vec<T>, E>
where
    T: Send + 'static,
    E: Send + 'static,
{
    // The set owns every task: if the caller drops this future, the set is dropped
    // with it, and every call still running is aborted.
    let mut running = JoinSet::new();
    let mut answers: Vec<Option<T>> = Vec::with_capacity(calls.len());
    for (place, call) in calls.into_iter().enumerate() {
        running.spawn(async move { (place, call.await) });
        answers.push(None);
    }
    // Outcomes come in the order the calls finish, so the first error is the first
    // to happen, wherever it stands in the list.
    while let Some(joined) = running.join_next().await {
        match joined {
            Ok((place, Ok(answer))) => answers[place] = Some(answer),
            Ok((_, Err(error))) => {
                // Aborts the others and waits until each is gone: none runs on.
                running.shutdown().await;
                return Err(error);
            }
            Err(failed) => {
                running.shutdown().await;
                match failed.try_into_panic() {
                    // The call's own panic, carried on in the caller as it was.
                    Ok(panic) => std::panic::resume_unwind(panic),
                    // Only the runtime shutting down aborts a task this set holds.
                    Err(failed) => panic!("a call was cancelled from outside: {failed}"),
                }
            }
        }
    }
    Ok(answers
        .into_iter()
        .map(|answer| answer.expect("every call answered, or the loop returned"))
        .collect())
}
// ANCHOR_END: solution
