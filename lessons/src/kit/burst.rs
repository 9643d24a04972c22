//! A burst of concurrent requests, the load the leak lessons put on their servers.
//!
//! Leaks show under load: a handler that leaves one task behind per request leaves a
//! hundred after a hundred requests. A burst sends `n` GETs with at most `concurrency`
//! in flight (each a connection of its own, so it stays well inside the open-file
//! limits of any laptop), waits for every answer, and counts them by status.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use futures::stream::{self, StreamExt};
use tokio::time::Instant;

use super::{Latencies, TestServer};

/// How a burst went.
#[derive(Debug, Clone, Default)]
pub struct Burst {
    /// Responses per status code.
    pub statuses: BTreeMap<u16, usize>,
    /// Requests that got no response (the client's timeout, a refused connection).
    pub failed: usize,
    /// The `Retry-After` header of a shed request (a 503 or 429), if any had one.
    pub retry_after: Option<String>,
    /// Responses that carried a `Retry-After` header: a shed client told when to return.
    pub told_when_to_retry: usize,
    /// The longest any request took.
    pub slowest: Duration,
    /// Every request's time, answered or not.
    pub latencies: Latencies,
    /// From the first request sent to the last answer.
    pub took: Duration,
}

/// `100 answers (200: 100), the slowest after 45 ms`, and how many got none.
impl fmt::Display for Burst {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let answered: usize = self.statuses.values().sum();
        let by_status: Vec<_> = self
            .statuses
            .iter()
            .map(|(status, n)| format!("{status}: {n}"))
            .collect();
        write!(f, "{answered} answers ({})", by_status.join(", "))?;
        if self.failed > 0 {
            write!(f, ", {} gave up", self.failed)?;
        }
        write!(f, ", the slowest after {} ms", self.slowest.as_millis())
    }
}

impl Burst {
    /// Responses with this status.
    pub fn with_status(&self, status: u16) -> usize {
        self.statuses.get(&status).copied().unwrap_or(0)
    }

    /// The time that `percent` % of the requests stayed within.
    pub fn percentile(&self, percent: f64) -> Duration {
        self.latencies.percentile(percent)
    }

    /// Adds another burst's answers and times to this one's (not its `took`).
    pub fn merge(&mut self, other: &Burst) {
        for (status, n) in &other.statuses {
            *self.statuses.entry(*status).or_default() += n;
        }
        self.failed += other.failed;
        self.told_when_to_retry += other.told_when_to_retry;
        if self.retry_after.is_none() {
            self.retry_after.clone_from(&other.retry_after);
        }
        self.slowest = self.slowest.max(other.slowest);
        self.latencies.merge(&other.latencies);
    }
}

/// Most requests in flight at once during a burst.
pub const BURST_CONCURRENCY: usize = 100;

/// Sends `n` GETs to `path`, at most [`BURST_CONCURRENCY`] at a time, and waits for all.
pub async fn burst(server: &TestServer, path: &str, n: usize) -> Burst {
    impatient_burst(server, path, n, Duration::from_secs(10)).await
}

/// A burst whose clients give up on a request after `patience`, as real clients do.
pub async fn impatient_burst(
    server: &TestServer,
    path: &str,
    n: usize,
    patience: Duration,
) -> Burst {
    let started = Instant::now();
    let outcomes: Vec<_> = stream::iter(0..n)
        .map(|_| async {
            let sent = Instant::now();
            let request = server
                .client()
                .get(server.url(path))
                .timeout(patience)
                .send();
            let answer = request.await.map(|response| {
                let retry_after = response.headers().get(reqwest::header::RETRY_AFTER);
                let retry_after = retry_after
                    .and_then(|value| value.to_str().ok())
                    .map(str::to_owned);
                (response.status().as_u16(), retry_after)
            });
            (answer, sent.elapsed())
        })
        .buffer_unordered(BURST_CONCURRENCY)
        .collect()
        .await;
    let mut burst = Burst {
        took: started.elapsed(),
        ..Burst::default()
    };
    for (answer, took) in outcomes {
        match answer {
            Ok((status, retry_after)) => {
                *burst.statuses.entry(status).or_default() += 1;
                burst.told_when_to_retry += usize::from(retry_after.is_some());
                burst.retry_after = burst.retry_after.take().or(retry_after);
            }
            Err(_) => burst.failed += 1,
        }
        burst.slowest = burst.slowest.max(took);
        burst.latencies.record(took);
    }
    burst
}
