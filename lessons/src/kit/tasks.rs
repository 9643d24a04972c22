//! Counting live tokio tasks, Go's `runtime.NumGoroutine()` for tokio.
//!
//! A leak in an async server is a task that is still alive after the work it belongs
//! to has ended. The gauge takes a baseline, then tells how many tasks are alive
//! above it. Tasks end asynchronously (a closed connection's task exits a moment
//! after the client hangs up), so [`TaskGauge::settle`] waits, within a bound, for
//! the count to come back down, and reports whatever is left: the leak.

use std::time::Duration;

use super::wait_until;
use tokio::runtime::Handle;

/// Live tasks of the current runtime, measured against a baseline.
///
/// ```
/// use lessons::kit::{TaskGauge, ms};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let gauge = TaskGauge::new();
/// let task = tokio::spawn(tokio::time::sleep(ms(10)));
/// assert_eq!(gauge.above_baseline(), 1);
/// task.await.unwrap();
/// assert_eq!(gauge.settle(ms(100)).await, 0);
/// # }
/// ```
pub struct TaskGauge {
    /// The runtime whose tasks are counted.
    runtime: Handle,
    /// Tasks that were alive when the gauge was made: the server, the lesson itself.
    baseline: usize,
}

impl TaskGauge {
    /// A gauge whose baseline is the count of tasks alive now.
    ///
    /// Must be called inside a tokio runtime.
    pub fn new() -> Self {
        let runtime = Handle::current();
        let baseline = runtime.metrics().num_alive_tasks();
        TaskGauge { runtime, baseline }
    }

    /// Tasks alive now, in the whole runtime.
    pub fn alive(&self) -> usize {
        self.runtime.metrics().num_alive_tasks()
    }

    /// The baseline the gauge compares against.
    pub fn baseline(&self) -> usize {
        self.baseline
    }

    /// Tasks alive now beyond the baseline.
    pub fn above_baseline(&self) -> usize {
        self.alive().saturating_sub(self.baseline)
    }

    /// Waits up to `within` for the count to fall back to the baseline, and returns
    /// the number of tasks still above it: 0 when everything ended, the leak otherwise.
    pub async fn settle(&self, within: Duration) -> usize {
        wait_until(within, || self.above_baseline() == 0).await;
        self.above_baseline()
    }
}

impl Default for TaskGauge {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn settle_reports_what_never_ends() {
        let gauge = TaskGauge::new();
        let _stuck = tokio::spawn(std::future::pending::<()>());
        assert_eq!(gauge.settle(Duration::from_millis(50)).await, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn settle_waits_for_tasks_that_end_soon() {
        let gauge = TaskGauge::new();
        tokio::spawn(tokio::time::sleep(Duration::from_millis(20)));
        assert_eq!(gauge.settle(Duration::from_millis(50)).await, 0);
    }
}
