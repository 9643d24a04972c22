//! Exercise 05 (lesson `06_logger_fixed`): a logger that never blocks a request.
//!
//! Handlers call `log` on every request; the writer task behind it is slower than a
//! burst. Make `log` return at once whatever the backlog, keep the backlog bounded,
//! count what you drop, and on shutdown write everything that was accepted before the
//! writer ends. Grade it with `cargo test -p exercises --test ex05_safe_logger`.

use lessons::kit::SlowBackend;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

// ANCHOR: exercise
/// The handlers' side of the logger.
pub struct Logger {
    // TODO: whatever `log` and `dropped` need.
}

impl Logger {
    /// Starts the writer task on `tracker`. It writes each queued line with
    /// `sink.call(&line)`, one at a time. When `shutdown` is cancelled it stops taking
    /// new lines, writes the ones still queued, and ends. The queue holds at most
    /// `capacity` lines.
    pub fn start(
        capacity: usize,
        sink: SlowBackend,
        shutdown: CancellationToken,
        tracker: &TaskTracker,
    ) -> Logger {
        // TODO: a bounded queue, and a writer task that listens for `shutdown` too.
        todo!("start the writer task")
    }

    /// Queues `line` if there is room; otherwise drops it and counts it. Never waits.
    pub fn log(&self, line: String) {
        // TODO: `try_send`, and count what does not fit (or arrives after shutdown).
        todo!("queue the line, or drop and count it")
    }

    /// Lines dropped so far.
    pub fn dropped(&self) -> usize {
        todo!("return the count of dropped lines")
    }
}
// ANCHOR_END: exercise
