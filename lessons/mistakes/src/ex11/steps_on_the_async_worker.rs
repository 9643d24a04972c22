//! Wrong: the steps run in the async fn itself, checking the clock between them: while a step blocks, every other task on that worker thread waits, and no timeout around the call can fire until it returns.

use std::time::{Duration, Instant};

pub use solutions::ex11_blocking_deadline::TimedOut;

pub async fn run_steps_within<T: Send + 'static>(
    steps: usize,
    step: impl Fn(usize) -> T + Send + 'static,
    limit: Duration,
) -> Result<Vec<T>, TimedOut> {
    let deadline = Instant::now() + limit;
    let mut results = Vec::with_capacity(steps);
    for n in 0..steps {
        if Instant::now() >= deadline {
            return Err(TimedOut);
        }
        results.push(step(n));
    }
    Ok(results)
}
