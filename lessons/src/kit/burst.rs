//! A burst of concurrent requests, the load the leak lessons put on their servers.
//!
//! Leaks show under load: a handler that leaves one task behind per request leaves a
//! hundred after a hundred requests. A burst sends `n` GETs with at most `concurrency`
//! in flight (each a connection of its own, so it stays well inside the open-file
//! limits of any laptop), waits for every answer, and counts them by status.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::stream::{self, StreamExt};
use tokio::time::Instant;

use super::TestServer;

/// How a burst went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Burst {
    /// Responses per status code.
    pub statuses: BTreeMap<u16, usize>,
    /// Requests that got no response (the client's timeout, a refused connection).
    pub failed: usize,
    /// The longest any request took.
    pub slowest: Duration,
    /// From the first request sent to the last answer.
    pub took: Duration,
}

impl Burst {
    /// Responses with this status.
    pub fn with_status(&self, status: u16) -> usize {
        self.statuses.get(&status).copied().unwrap_or(0)
    }
}

/// Most requests in flight at once during a burst.
pub const BURST_CONCURRENCY: usize = 100;

/// Sends `n` GETs to `path`, at most [`BURST_CONCURRENCY`] at a time, and waits for all.
pub async fn burst(server: &TestServer, path: &str, n: usize) -> Burst {
    let started = Instant::now();
    let outcomes: Vec<_> = stream::iter(0..n)
        .map(|_| async {
            let sent = Instant::now();
            let status = server.get(path).await.map(|(status, _)| status.as_u16());
            (status, sent.elapsed())
        })
        .buffer_unordered(BURST_CONCURRENCY)
        .collect()
        .await;
    let mut burst = Burst {
        took: started.elapsed(),
        ..Burst::default()
    };
    for (status, took) in outcomes {
        match status {
            Ok(status) => *burst.statuses.entry(status).or_default() += 1,
            Err(_) => burst.failed += 1,
        }
        burst.slowest = burst.slowest.max(took);
    }
    burst
}
