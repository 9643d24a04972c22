//! Wrong: `block_in_place` instead of `spawn_blocking`: other tasks move to another thread, but the caller's own task is held until the steps end, so no timeout around it can fire, and on a current-thread runtime it panics.

use std::time::{Duration, Instant};

pub use solutions::ex11_blocking_deadline::TimedOut;

pub async fn run_steps_within<T: Send + 'static>(
    steps: usize,
    step: impl Fn(usize) -> T + Send + 'static,
    limit: Duration,
) -> Result<Vec<T>, TimedOut> {
    let deadline = Instant::now() + limit;
    tokio::task::block_in_place(|| {
        let mut results = Vec::with_capacity(steps);
        for n in 0..steps {
            if Instant::now() >= deadline {
                return Err(TimedOut);
            }
            results.push(step(n));
        }
        Ok(results)
    })
}
