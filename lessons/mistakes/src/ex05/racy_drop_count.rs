//! Wrong: the drop count is read and then written back plus one: right on one thread, but handlers on two threads that drop at the same moment count one line, and the logger under-reports what it lost.

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
        if self.lines.try_send(line).is_err() {
            let so_far = self.dropped.load(Ordering::Relaxed);
            self.dropped.store(so_far + 1, Ordering::Relaxed);
        }
    }

    pub fn dropped(&self) -> usize {
        self.dropped.load(Ordering::Relaxed)
    }
}
