//! Wrong: counts the tasks left and names none: the test says that something leaked and not what, and whoever reads the failure starts the hunt from nothing, though the registry knew the name and the line that spawned it.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use lessons::kit::{TaskRegistry, TaskSnapshot, TestServer, wait_until};
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
    let alive = runtime.block_on(async move {
        let server = TestServer::start(make_server(TaskRegistry::default()))
            .await
            .expect("the server starts on a loopback port");
        drive(server.addr()).await;
        let _ = tokio::time::timeout(grace, server.shutdown()).await;
        let metrics = Handle::current().metrics();
        wait_until(grace, || metrics.num_alive_tasks() == 0).await;
        metrics.num_alive_tasks()
    });
    runtime.shutdown_timeout(grace);
    if alive == 0 {
        Ok(())
    } else {
        Err(Leak {
            alive,
            named: TaskSnapshot::default(),
        })
    }
}
