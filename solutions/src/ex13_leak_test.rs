//! Solution to exercise 13: a test that proves no task outlives the server.
//!
//! The whole trick is the runtime. Built for this one server, it starts with no task
//! at all (the future `block_on` runs is not a task), so once the server has shut
//! down, every task still alive on it is one the server left behind: no baseline to
//! take, and no other test to blur the count. That is what goleak cannot do: Go has
//! one set of goroutines per process, so `VerifyNone` is not usable beside
//! `t.Parallel`; here each check counts its own runtime, and checks run side by side.
//!
//! The order matters. Count before the graceful shutdown has finished and the server's
//! own accept loop and connections are counted; count the moment it has and a task
//! that is finishing its last write is counted; wait without a bound and a real leak
//! hangs the test instead of failing it. So: shut the server down and wait for it,
//! give the rest a bounded grace, then count, and stop the runtime within a bound too.

use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use lessons::kit::{TaskRegistry, TaskSnapshot, TestServer, wait_until};
use tokio::runtime::{Builder, Handle};

/// What outlived the server: the tasks still alive on its runtime once the grace ran out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leak {
    /// Every async task still alive on the server's runtime, named or not. A thread of
    /// `spawn_blocking` is not a task to this count: only a task awaiting it shows.
    pub alive: usize,
    /// Those the server spawned through the registry, by name and spawn site. The rest
    /// were spawned around it: a plain `tokio::spawn`, a library's own task.
    pub named: TaskSnapshot,
}

/// `3 tasks outlived the server:`, then a line per named group, then the unnamed.
impl fmt::Display for Leak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} tasks outlived the server:", self.alive)?;
        for group in &self.named.groups {
            writeln!(
                f,
                "{:>5}  {:<16} spawned at {}",
                group.count, group.name, group.spawned_at
            )?;
        }
        let unnamed = self.alive.saturating_sub(self.named.total());
        if unnamed > 0 {
            writeln!(f, "{unnamed:>5}  spawned outside the registry")?;
        }
        Ok(())
    }
}

// ANCHOR: solution
/// Serves `make_server`'s router on a runtime of its own, runs `drive` against it,
/// shuts it down, and reports every task still alive `grace` later.
pub fn no_task_outlives<D, F>(
    make_server: impl FnOnce(TaskRegistry) -> Router + Send + 'static,
    drive: D,
    grace: Duration,
) -> Result<(), Leak>
where
    D: FnOnce(SocketAddr) -> F + Send + 'static,
    F: Future<Output = ()> + Send + 'static,
{
    // Threads as a server has them in production (`#[tokio::main]`), two whatever the
    // machine, so that tasks really run at once.
    let runtime = Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime with two workers builds");
    let tasks = TaskRegistry::default();
    let registry = tasks.clone();
    let leak = runtime.block_on(async move {
        let server = TestServer::start(make_server(registry))
            .await
            .expect("the server starts on a loopback port");
        drive(server.addr()).await;
        // Graceful: stop accepting, let the open connections finish, wait for the
        // accept loop to end. Bounded too: a connection that never finishes is
        // counted below, the server's own task with it.
        let _ = tokio::time::timeout(grace, server.shutdown()).await;
        // A task finishing its last write ends a moment after the server; one still
        // alive after the grace never will.
        let metrics = Handle::current().metrics();
        wait_until(grace, || metrics.num_alive_tasks() == 0).await;
        Leak {
            alive: metrics.num_alive_tasks(),
            named: tasks.snapshot(),
        }
    });
    // Dropping a runtime waits for its threads, the blocking pool's too, for ever for a
    // blocking call that never returns: give them the grace, then leave them. The
    // workers drop every async task as they stop, so none of those runs on; a blocking
    // call still under way cannot be dropped, and its thread runs on, detached, until
    // the call returns.
    runtime.shutdown_timeout(grace);
    if leak.alive == 0 { Ok(()) } else { Err(leak) }
}
// ANCHOR_END: solution
