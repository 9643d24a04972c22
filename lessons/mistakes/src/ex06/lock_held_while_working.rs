//! Wrong: `while let Some(job) = queue.lock().await.recv().await` keeps the guard, a temporary of the condition, alive for the whole loop body: each worker holds the queue's lock while it works, so the pool runs one job at a time whatever its size.

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
        shutdown: CancellationToken,
        tracker: &TaskTracker,
    ) -> Pool {
        let (jobs, queue) = mpsc::channel::<String>(capacity);
        let queue = Arc::new(Mutex::new(queue));
        for _ in 0..workers {
            let (queue, db, shutdown) = (queue.clone(), db.clone(), shutdown.clone());
            tracker.spawn(async move {
                let work = async {
                    while let Some(job) = queue.lock().await.recv().await {
                        db.call(&job).await;
                    }
                };
                shutdown.run_until_cancelled(work).await;
            });
        }
        Pool { jobs }
    }

    pub fn submit(&self, job: String) -> Result<(), Busy> {
        self.jobs.try_send(job).map_err(|_| Busy)
    }
}
