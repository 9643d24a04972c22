//! Wrong: the steps run on a task of their own that yields after each one: the caller's timeout and the drop guard work, but a step still blocks the async worker it runs on, so every other task there, timers included, waits for a whole step before it gets a turn.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

pub use solutions::ex11_blocking_deadline::TimedOut;

pub async fn run_steps_within<T: Send + 'static>(
    steps: usize,
    step: impl Fn(usize) -> T + Send + 'static,
    limit: Duration,
) -> Result<Vec<T>, TimedOut> {
    let token = CancellationToken::new();
    let _stop_the_steps = token.clone().drop_guard();
    let work = tokio::spawn(async move {
        let mut results = Vec::with_capacity(steps);
        for n in 0..steps {
            if token.is_cancelled() {
                break;
            }
            results.push(step(n));
            tokio::task::yield_now().await;
        }
        results
    });
    match tokio::time::timeout(limit, work).await {
        Ok(Ok(results)) => Ok(results),
        Ok(Err(error)) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        Ok(Err(_)) => Err(TimedOut),
        Err(_elapsed) => Err(TimedOut),
    }
}
