//! Wrong: an unbounded queue: `log` never waits and never drops, and under a burst the backlog takes as much memory as the burst brings.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use lessons::kit::SlowBackend;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub struct Logger {
    lines: mpsc::UnboundedSender<String>,
    dropped: Arc<AtomicUsize>,
}

impl Logger {
    pub fn start(
        _capacity: usize,
        sink: SlowBackend,
        shutdown: CancellationToken,
        tracker: &TaskTracker,
    ) -> Logger {
        let (lines, mut queued) = mpsc::unbounded_channel::<String>();
        tracker.spawn(async move {
            while let Some(Some(line)) = shutdown.run_until_cancelled(queued.recv()).await {
                sink.call(&line).await;
            }
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

    pub fn log(&self, line: String) {
        if self.lines.send(line).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn dropped(&self) -> usize {
        self.dropped.load(Ordering::Relaxed)
    }
}
