//! Wrong: the deadline is checked between steps and the blocking task awaited with no timeout: "timed out" comes only when the step under way ends, and behind a slow step that is long after the limit.

use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

pub use solutions::ex11_blocking_deadline::TimedOut;

pub async fn run_steps_within<T: Send + 'static>(
    steps: usize,
    step: impl Fn(usize) -> T + Send + 'static,
    limit: Duration,
) -> Result<Vec<T>, TimedOut> {
    let token = CancellationToken::new();
    let _stop_the_steps = token.clone().drop_guard();
    let deadline = Instant::now() + limit;
    let work = tokio::task::spawn_blocking(move || {
        let mut results = Vec::with_capacity(steps);
        for n in 0..steps {
            if token.is_cancelled() || Instant::now() >= deadline {
                return Err(TimedOut);
            }
            results.push(step(n));
        }
        Ok(results)
    });
    match work.await {
        Ok(outcome) => outcome,
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        Err(_) => Err(TimedOut),
    }
}
