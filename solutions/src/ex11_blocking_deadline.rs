//! Solution to exercise 11: blocking work that stops at the deadline.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// The steps did not all finish within the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimedOut;

// ANCHOR: solution
/// Runs `step(0)` … `step(steps - 1)` in order on a blocking thread and returns their
/// results in order, or `Err(TimedOut)` once `limit` has passed. Once it has given up,
/// or its caller has dropped it, the steps stop: the last to run is the one under way,
/// or at most one that passed its check just before the cancel.
pub async fn run_steps_within<T: Send + 'static>(
    steps: usize,
    step: impl Fn(usize) -> T + Send + 'static,
    limit: Duration,
) -> Result<Vec<T>, TimedOut> {
    let token = CancellationToken::new();
    // Cancels the token when this future ends, however it ends: with the results, at
    // its own timeout, or dropped mid-await by its caller (an outer timeout, a client
    // that hung up), where no line after the `.await` would ever run.
    let _stop_the_steps = token.clone().drop_guard();

    // A blocking thread of the runtime's pool: the worker that polls this future
    // stays free for other tasks while a step blocks.
    let work = tokio::task::spawn_blocking(move || {
        let mut results = Vec::with_capacity(steps);
        for n in 0..steps {
            // Go's `if ctx.Err() != nil { return }`: a blocking closure cannot be
            // stopped from outside, so it looks before each step. `abort()` on its
            // handle would not help: it only stops a blocking task that has not
            // started yet. Cancelled means nobody waits for the results any more.
            if token.is_cancelled() {
                break;
            }
            results.push(step(n));
        }
        results
    });

    // On time, the results. At the limit `timeout` drops the handle, which detaches
    // the thread; the guard then cancels the token. The step under way runs to its
    // end (or, if the thread passed its check a moment before the cancel, the step it
    // was about to start does): after that one, the thread sees the token and stops.
    match tokio::time::timeout(limit, work).await {
        Ok(Ok(results)) => Ok(results),
        // A step panicked: a bug, not a slow answer, and the panic ended the loop, so
        // no step ran after it. Resume that same panic here, its payload as it was,
        // as if the steps had run in the caller.
        Ok(Err(error)) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        // The runtime is shutting down and dropped the task before it started.
        Ok(Err(_)) => Err(TimedOut),
        Err(_elapsed) => Err(TimedOut),
    }
}
// ANCHOR_END: solution
