//! Wrong: waits for the registry's tasks with `TaskTracker::wait`, which has no bound: on a server that leaks, the wait never ends, and the leak test hangs the whole suite instead of failing and naming the leak.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use lessons::kit::{TaskRegistry, TestServer, wait_until};
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
        // Every task the server spawned is on the tracker: wait for them all to end.
        tasks.tracker().close();
        tasks.tracker().wait().await;
        let metrics = Handle::current().metrics();
        wait_until(grace, || metrics.num_alive_tasks() == 0).await;
        Leak {
            alive: metrics.num_alive_tasks(),
            named: tasks.snapshot(),
        }
    });
    runtime.shutdown_timeout(grace);
    if leak.alive == 0 { Ok(()) } else { Err(leak) }
}
