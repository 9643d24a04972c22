//! Wrong: `submit` treats a closed queue as impossible: right while the service runs, but a request that arrives during shutdown panics its handler instead of getting a 503.

use std::sync::Arc;

use lessons::kit::SlowBackend;
use tokio::sync::mpsc::error::TrySendError;
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
                    let Some(Some(job)) = shutdown.run_until_cancelled(next).await else {
                        return;
                    };
                    if shutdown.run_until_cancelled(db.call(&job)).await.is_none() {
                        return;
                    }
                }
            });
        }
        Pool { jobs }
    }

    pub fn submit(&self, job: String) -> Result<(), Busy> {
        match self.jobs.try_send(job) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => Err(Busy),
            Err(TrySendError::Closed(_)) => unreachable!("the workers hold the queue"),
        }
    }
}
