//! Exercise 06 (lesson `08_workers_fixed`): a pool that sheds load and stops when told.
//!
//! A handler submits jobs to a pool of workers. When the queue is full it must hear so
//! at once (to answer 503), not wait; when the service shuts down, every worker must
//! end, busy or idle. And the pool's calls to an upstream must give up on a server
//! that never answers. Grade it with `cargo test -p exercises --test ex06_bounded_pool`.

use lessons::kit::SlowBackend;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The queue is full: try again later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

// ANCHOR: exercise
/// The handlers' side of the pool.
pub struct Pool {
    // TODO: whatever `submit` needs.
}

impl Pool {
    /// Starts `workers` workers on `tracker`, sharing one queue of at most `capacity`
    /// jobs. A worker takes the next job and runs `db.call(&job)`. When `shutdown` is
    /// cancelled every worker ends promptly: an idle one at once, a busy one dropping
    /// its job.
    pub fn start(
        workers: usize,
        capacity: usize,
        db: SlowBackend,
        shutdown: CancellationToken,
        tracker: &TaskTracker,
    ) -> Pool {
        // TODO: a bounded queue the workers share (an `Arc<tokio::sync::Mutex<Receiver>>`),
        //       and workers that race the queue and each job against `shutdown`.
        todo!("start the workers")
    }

    /// Queues `job`, or answers `Err(Busy)` at once if the queue is full.
    pub fn submit(&self, job: String) -> Result<(), Busy> {
        todo!("queue the job without waiting")
    }
}

/// The client the pool uses to call its upstream API: it must give up on a server
/// that accepts the connection and never answers, within a couple of seconds.
pub fn upstream_client() -> reqwest::Client {
    // TODO: `reqwest::Client::builder()` with the timeouts a hung peer needs.
    todo!("build a client with timeouts")
}
// ANCHOR_END: exercise
