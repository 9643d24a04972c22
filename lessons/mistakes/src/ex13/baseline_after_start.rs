//! Wrong: measures against a baseline taken once the server is up, as a lesson's demo does: the server's own tasks end at shutdown and make room in the count, so a background task that outlives the server is never reported, and every leak is undercounted.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use lessons::kit::{TaskGauge, TaskRegistry, TestServer};
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
    let leak = runtime.block_on(async move {
        let server = TestServer::start(make_server(registry))
            .await
            .expect("the server starts on a loopback port");
        // The server's own tasks are there now: only what comes on top is a leak.
        let gauge = TaskGauge::new();
        drive(server.addr()).await;
        let _ = tokio::time::timeout(grace, server.shutdown()).await;
        Leak {
            alive: gauge.settle(grace).await,
            named: tasks.snapshot(),
        }
    });
    runtime.shutdown_timeout(grace);
    if leak.alive == 0 { Ok(()) } else { Err(leak) }
}
