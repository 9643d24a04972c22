//! Wrong: a closed queue is read as "nothing yet, look again": once the Pool is dropped, `recv()` answers None at once, every time, and each worker spins, burning a thread for nothing.

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
                loop {
                    let next = async { queue.lock().await.recv().await };
                    let Some(next) = shutdown.run_until_cancelled(next).await else {
                        return;
                    };
                    let Some(job) = next else { continue };
                    if shutdown.run_until_cancelled(db.call(&job)).await.is_none() {
                        return;
                    }
                }
            });
        }
        Pool { jobs }
    }

    pub fn submit(&self, job: String) -> Result<(), Busy> {
        self.jobs.try_send(job).map_err(|_| Busy)
    }
}
