//! Wrong: the writer waits with `Some(line) = queued.recv()` in its `select!`: when the Logger is dropped that branch is disabled, and the writer waits on for a shutdown that may never come, a task alive with nothing left to write.

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
            loop {
                tokio::select! {
                    biased;
                    () = shutdown.cancelled() => break,
                    Some(line) = queued.recv() => { sink.call(&line).await; }
                }
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
