//! Wrong: the blocking thread checks its own deadline instead of a flag: it stops at the limit, but a caller that gives up sooner cannot stop it, and the steps run on until the limit.

use std::time::{Duration, Instant};

pub use solutions::ex11_blocking_deadline::TimedOut;

pub async fn run_steps_within<T: Send + 'static>(
    steps: usize,
    step: impl Fn(usize) -> T + Send + 'static,
    limit: Duration,
) -> Result<Vec<T>, TimedOut> {
    let deadline = Instant::now() + limit;
    let work = tokio::task::spawn_blocking(move || {
        let mut results = Vec::with_capacity(steps);
        for n in 0..steps {
            if Instant::now() >= deadline {
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
        Err(_elapsed) => Err(TimedOut),
    }
}
