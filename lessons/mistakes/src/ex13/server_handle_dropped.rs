//! Wrong: serves with a plain `axum::serve` on a spawned task and "stops" it by dropping its `JoinHandle`, which only detaches it: the accept loop runs on, holding the router and every task tied to it, so every clean server fails its leak test.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use lessons::kit::{TaskRegistry, wait_until};
use tokio::net::TcpListener;
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
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port is free");
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let serving = tokio::spawn(axum::serve(listener, make_server(registry)).into_future());
        drive(addr).await;
        // Done with the server.
        drop(serving);
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
