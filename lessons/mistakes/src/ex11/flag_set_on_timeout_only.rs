//! Wrong: the flag is set when its own timeout fires, and only then: clean when it gives up itself, but when an outer timeout or a departing client drops it first, nothing sets the flag and every step runs on.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

pub use solutions::ex11_blocking_deadline::TimedOut;

pub async fn run_steps_within<T: Send + 'static>(
    steps: usize,
    step: impl Fn(usize) -> T + Send + 'static,
    limit: Duration,
) -> Result<Vec<T>, TimedOut> {
    let token = CancellationToken::new();
    let flag = token.clone();
    let work = tokio::task::spawn_blocking(move || {
        let mut results = Vec::with_capacity(steps);
        for n in 0..steps {
            if flag.is_cancelled() {
                break;
            }
            results.push(step(n));
        }
        results
    });
    match tokio::time::timeout(limit, work).await {
        Ok(Ok(results)) => Ok(results),
        Ok(Err(error)) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        Ok(Err(_)) => Err(TimedOut),
        Err(_elapsed) => {
            token.cancel();
            Err(TimedOut)
        }
    }
}
