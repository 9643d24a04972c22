//! Wrong: the workers only stop when the queue closes, which it never does while the Pool lives: shutdown waits for ever, and every worker outlives the service.

use std::sync::Arc;

use lessons::kit::SlowBackend;
use tokio::sync::{Mutex, mpsc};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use solutions::ex06_bounded_pool::{Busy, upstream_client};

pub struct Pool {
    jobs: mpsc::Sender<String>,
}

impl Pool {
    pub fn start(
        workers: usize,
        capacity: usize,
        db: SlowBackend,
        _shutdown: CancellationToken,
        tracker: &TaskTracker,
    ) -> Pool {
        let (jobs, queue) = mpsc::channel::<String>(capacity);
        let queue = Arc::new(Mutex::new(queue));
        for _ in 0..workers {
            let (queue, db) = (queue.clone(), db.clone());
            tracker.spawn(async move {
                loop {
                    let next = queue.lock().await.recv().await;
                    let Some(job) = next else { return };
                    db.call(&job).await;
                }
            });
        }
        Pool { jobs }
    }

    pub fn submit(&self, job: String) -> Result<(), Busy> {
        self.jobs.try_send(job).map_err(|_| Busy)
    }
}
