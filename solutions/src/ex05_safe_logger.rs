//! Solution to exercise 05: a logger that never blocks a request.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use lessons::kit::SlowBackend;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

// ANCHOR: solution
/// The handlers' side of the logger.
pub struct Logger {
    lines: mpsc::Sender<String>,
    dropped: Arc<AtomicUsize>,
}

impl Logger {
    /// Starts the writer task on `tracker`; see the exercise for the contract.
    pub fn start(
        capacity: usize,
        sink: SlowBackend,
        shutdown: CancellationToken,
        tracker: &TaskTracker,
    ) -> Logger {
        let (lines, mut queued) = mpsc::channel::<String>(capacity);
        tracker.spawn(async move {
            loop {
                tokio::select! {
                    // Shutdown first: once it is asked for, the rest goes to the flush.
                    biased;
                    () = shutdown.cancelled() => break,
                    line = queued.recv() => match line {
                        Some(line) => { sink.call(&line).await; }
                        None => return,
                    },
                }
            }
            // Flush: refuse new lines, write the ones already accepted.
            queued.close();
            while let Some(line) = queued.recv().await {
                sink.call(&line).await;
            }
        });
        Logger {
            lines,
            dropped: Arc::default(),
        }
    }

    /// Queues `line` if there is room; otherwise drops it and counts it.
    pub fn log(&self, line: String) {
        if self.lines.try_send(line).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Lines dropped so far.
    pub fn dropped(&self) -> usize {
        self.dropped.load(Ordering::Relaxed)
    }
}
// ANCHOR_END: solution
