//! Wrong: the flush drains the queue with `try_recv` without closing it first: it ends when the queue is empty, and under steady traffic it never is, so shutdown never finishes.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use lessons::kit::SlowBackend;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub struct Logger {
    lines: mpsc::Sender<String>,
    dropped: Arc<AtomicUsize>,
}

impl Logger {
    pub fn start(
        capacity: usize,
        sink: SlowBackend,
        shutdown: CancellationToken,
        tracker: &TaskTracker,
    ) -> Logger {
        let (lines, mut queued) = mpsc::channel::<String>(capacity);
        tracker.spawn(async move {
            while let Some(Some(line)) = shutdown.run_until_cancelled(queued.recv()).await {
                sink.call(&line).await;
            }
            while let Ok(line) = queued.try_recv() {
                sink.call(&line).await;
            }
        });
        Logger {
            lines,
            dropped: Arc::default(),
        }
    }

    pub fn log(&self, line: String) {
        if self.lines.try_send(line).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn dropped(&self) -> usize {
        self.dropped.load(Ordering::Relaxed)
    }
}
