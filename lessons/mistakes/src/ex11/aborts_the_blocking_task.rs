//! Wrong: the blocking task is aborted when the timeout fires, as a spawned task would be, but abort cannot stop a closure that has started: every remaining step runs on after the answer.

use std::time::Duration;

pub use solutions::ex11_blocking_deadline::TimedOut;

pub async fn run_steps_within<T: Send + 'static>(
    steps: usize,
    step: impl Fn(usize) -> T + Send + 'static,
    limit: Duration,
) -> Result<Vec<T>, TimedOut> {
    let mut work = tokio::task::spawn_blocking(move || (0..steps).map(step).collect::<Vec<T>>());
    match tokio::time::timeout(limit, &mut work).await {
        Ok(Ok(results)) => Ok(results),
        Ok(Err(error)) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        Ok(Err(_)) => Err(TimedOut),
        Err(_elapsed) => {
            work.abort();
            Err(TimedOut)
        }
    }
}
