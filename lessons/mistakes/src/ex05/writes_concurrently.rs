//! Wrong: the writer hands each line to a task of its own so that a slow write never holds up the next: the sink, written by one writer at a time, gets several writes at once, and lines land interleaved and out of order.

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
        let writes = tracker.clone();
        tracker.spawn(async move {
            while let Some(Some(line)) = shutdown.run_until_cancelled(queued.recv()).await {
                let sink = sink.clone();
                writes.spawn(async move { sink.call(&line).await });
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
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn dropped(&self) -> usize {
        self.dropped.load(Ordering::Relaxed)
    }
}
