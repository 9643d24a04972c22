//! Wrong: the graceful shutdown is awaited with no bound: one connection whose request never gets its answer (a handler stuck on a lock, a client that never reads) holds the shutdown open for ever, and the leak test hangs instead of failing, until CI kills it with no word on what leaked.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use lessons::kit::{TaskRegistry, TestServer, wait_until};
use tokio::runtime::{Builder, Handle};

pub use solutions::ex13_leak_test::Leak;

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
        // accept loop to end. Every connection finishes in the end.
        let _ = server.shutdown().await;
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
