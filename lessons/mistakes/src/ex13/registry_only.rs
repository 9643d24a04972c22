//! Wrong: asks only the registry: a task spawned around it (a plain `tokio::spawn`, a library's own task) is never seen, so a server that leaks one per request passes its leak test.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use lessons::kit::{TaskRegistry, TestServer, wait_until};
use tokio::runtime::Builder;

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
    let named = runtime.block_on(async move {
        let server = TestServer::start(make_server(registry))
            .await
            .expect("the server starts on a loopback port");
        drive(server.addr()).await;
        let _ = tokio::time::timeout(grace, server.shutdown()).await;
        // Every task the server spawns is listed here: wait for the list to empty.
        wait_until(grace, || tasks.snapshot().total() == 0).await;
        tasks.snapshot()
    });
    runtime.shutdown_timeout(grace);
    if named.total() == 0 {
        Ok(())
    } else {
        Err(Leak {
            alive: named.total(),
            named,
        })
    }
}
