//! Wrong: each step runs under `catch_unwind`, and the first panic is resumed once the list is done: the caller does get the step's own panic, but only after every step behind the bug has run, doing work and side effects for an answer that will never come.

use std::panic::AssertUnwindSafe;
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
        let mut first_panic = None;
        for n in 0..steps {
            if token.is_cancelled() {
                break;
            }
            match std::panic::catch_unwind(AssertUnwindSafe(|| step(n))) {
                Ok(result) => results.push(result),
                Err(panic) => {
                    first_panic.get_or_insert(panic);
                }
            }
        }
        if let Some(panic) = first_panic {
            std::panic::resume_unwind(panic);
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
