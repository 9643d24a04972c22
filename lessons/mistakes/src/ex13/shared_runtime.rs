//! Wrong: one runtime for every leak test, built once and never shut down: checks that run at once (as `cargo test` runs tests) count each other's servers and tasks, so they fail at random, and what one server leaks runs on for the rest of the test run.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::LazyLock;
use std::time::Duration;

use axum::Router;
use lessons::kit::{TaskGauge, TaskRegistry, TestServer};
use tokio::runtime::{Builder, Runtime};

pub use solutions::ex13_leak_test::Leak;

/// Building a runtime per test is slow: build one, share it.
static RUNTIME: LazyLock<Runtime> = LazyLock::new(|| {
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime with two workers builds")
});

pub fn no_task_outlives<D, F>(
    make_server: impl FnOnce(TaskRegistry) -> Router + Send + 'static,
    drive: D,
    grace: Duration,
) -> Result<(), Leak>
where
    D: FnOnce(SocketAddr) -> F + Send + 'static,
    F: Future<Output = ()> + Send + 'static,
{
    let tasks = TaskRegistry::default();
    let registry = tasks.clone();
    let leak = RUNTIME.block_on(async move {
        // Others may have tasks on this runtime: count only what comes on top.
        let gauge = TaskGauge::new();
        let server = TestServer::start(make_server(registry))
            .await
            .expect("the server starts on a loopback port");
        drive(server.addr()).await;
        let _ = tokio::time::timeout(grace, server.shutdown()).await;
        Leak {
            alive: gauge.settle(grace).await,
            named: tasks.snapshot(),
        }
    });
    if leak.alive == 0 { Ok(()) } else { Err(leak) }
}
