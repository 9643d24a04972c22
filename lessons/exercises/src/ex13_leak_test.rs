//! Exercise 13 (lesson `12_leak_hunt`): a test that proves no task outlives the server.
//!
//! Go has goleak: `defer goleak.VerifyNone(t)` fails a test that leaves a goroutine
//! behind. tokio has nothing by that name, but everything it needs: a runtime you build
//! yourself, whose live-task count (`num_alive_tasks`) is zero once the server on it is
//! gone, and the kit's `TaskRegistry`, which names what is left. Write the check, so
//! that any test can end with it. Grade it with
//! `cargo test -p exercises --test ex13_leak_test`.
//!
//! A test that uses it looks like this:
//!
//! ```ignore
//! #[test]
//! fn no_task_outlives_the_shop() {
//!     let verdict = no_task_outlives(shop, |addr| async move {
//!         let url = format!("http://{addr}/subscribe");
//!         reqwest::get(url).await.expect("the shop answers");
//!     }, Duration::from_millis(500));
//!     if let Err(leak) = verdict {
//!         panic!("{leak}");
//!     }
//! }
//! ```

use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use lessons::kit::{TaskRegistry, TaskSnapshot};

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

// ANCHOR: exercise
/// Serves the router `make_server` builds on 127.0.0.1, runs `drive` against it (with
/// the address it listens on), shuts the server down, and fails with a [`Leak`] if a
/// task outlives it. Call it from a plain `#[test]`, not from inside a runtime.
///
/// * The server gets a runtime of its own: no other test's tasks are counted, and none
///   of its tasks are left running when the check returns.
/// * `make_server` is given the registry the check lists, and is called on that
///   runtime: the server may spawn its background tasks there and then.
/// * A task that ends within `grace` of the shutdown is not a leak; one still alive
///   after it is, named when it was spawned through the registry.
/// * Every wait is bounded: a leak test must fail, never hang, even when the server
///   leaves a blocking call (on `spawn_blocking`) that never returns, or a connection
///   whose request is never answered (the graceful shutdown waits for it); that
///   connection's task is then reported with the rest.
pub fn no_task_outlives<D, F>(
    make_server: impl FnOnce(TaskRegistry) -> Router + Send + 'static,
    drive: D,
    grace: Duration,
) -> Result<(), Leak>
where
    D: FnOnce(SocketAddr) -> F + Send + 'static,
    F: Future<Output = ()> + Send + 'static,
{
    // TODO: build a runtime for this server alone.
    // TODO: on it, serve, drive, shut the server down, and give its tasks the grace.
    // TODO: count what is left, name what the registry knows, and stop the runtime.
    todo!("run the server on a runtime of its own, and see what outlives it")
}
// ANCHOR_END: exercise
