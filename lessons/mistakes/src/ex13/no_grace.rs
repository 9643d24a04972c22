//! Wrong: counts the moment the server has shut down, with no grace: a task finishing its last write (a flush, a report) is still alive then, so a clean server fails its leak test, and the test is soon ignored.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use lessons::kit::{TaskRegistry, TestServer};
use tokio::runtime::{Builder, Handle};

pub use solutions::ex13_leak_test::Leak;

pub fn no_task_outlives<D, F>(
    make_server: impl FnOnce(TaskRegistry) -> Router + Send + 'static,
    drive: D,
    grace: Duration,
) -> Result<(), Leak>
where
    D: FnOnce(SocketAddr) -> F + Send + 'static,
    F: Future<Output = ()> + Send + 'static,
{
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
        let _ = tokio::time::timeout(grace, server.shutdown()).await;
        // The server is down: whatever is alive now must be a leak.
        Leak {
            alive: Handle::current().metrics().num_alive_tasks(),
            named: tasks.snapshot(),
        }
    });
    runtime.shutdown_timeout(grace);
    if leak.alive == 0 { Ok(()) } else { Err(leak) }
}
