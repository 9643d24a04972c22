//! Solution to exercise 06: a pool that sheds load and stops when told.

use std::sync::Arc;
use std::time::Duration;

use lessons::kit::SlowBackend;
use tokio::sync::{Mutex, mpsc};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The queue is full: try again later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

// ANCHOR: solution
/// The handlers' side of the pool.
pub struct Pool {
    jobs: mpsc::Sender<String>,
}

impl Pool {
    /// Starts the workers on `tracker`; see the exercise for the contract.
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
                    // Waiting for a job and running it both give way to a shutdown.
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

    /// Queues `job`, or answers `Err(Busy)` at once if the queue is full.
    pub fn submit(&self, job: String) -> Result<(), Busy> {
        self.jobs.try_send(job).map_err(|_| Busy)
    }
}

/// A client that gives up on a peer that is down (connect timeout) and on one that
/// accepted and went quiet (the total timeout, which covers the whole exchange).
pub fn upstream_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_millis(500))
        .timeout(Duration::from_secs(1))
        .build()
        .expect("a plain-HTTP client with timeouts always builds")
}
// ANCHOR_END: solution
