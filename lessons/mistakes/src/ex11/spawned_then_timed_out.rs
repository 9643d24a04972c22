//! Wrong: the steps on a blocking thread behind a timeout, with nothing to stop them: the caller hears "timed out" on time while every remaining step runs on.

use std::time::Duration;

pub use solutions::ex11_blocking_deadline::TimedOut;

pub async fn run_steps_within<T: Send + 'static>(
    steps: usize,
    step: impl Fn(usize) -> T + Send + 'static,
    limit: Duration,
) -> Result<Vec<T>, TimedOut> {
    let work = tokio::task::spawn_blocking(move || (0..steps).map(step).collect::<Vec<T>>());
    match tokio::time::timeout(limit, work).await {
        Ok(Ok(results)) => Ok(results),
        Ok(Err(error)) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        Ok(Err(_)) => Err(TimedOut),
        Err(_elapsed) => Err(TimedOut),
    }
}
