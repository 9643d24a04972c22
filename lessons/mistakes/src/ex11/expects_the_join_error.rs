//! Wrong: `.expect()` on the blocking task's outcome: a step's panic does reach the caller, but as a new panic whose text quotes the `JoinError`, so the step's own payload is gone, and a caller or panic handler that looks for it finds only a string.

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
    let work = tokio::task::spawn_blocking(move || {
        let mut results = Vec::with_capacity(steps);
        for n in 0..steps {
            if token.is_cancelled() {
                break;
            }
            results.push(step(n));
        }
        results
    });
    let results = tokio::time::timeout(limit, work)
        .await
        .map_err(|_| TimedOut)?
        .expect("a step panicked");
    Ok(results)
}
