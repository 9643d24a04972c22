//! Wrong: every error from the blocking task becomes `TimedOut`, a panic included: a bug in a step is reported as a slow answer, the caller retries it or answers 504, and the panic's message is lost.

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
    match tokio::time::timeout(limit, work).await {
        Ok(Ok(results)) => Ok(results),
        _ => Err(TimedOut),
    }
}
