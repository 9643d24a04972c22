//! The worker scenario of lessons 07 (leaky) and 08 (fixed).
//!
//! Handlers hand jobs to a small pool of workers through a queue, and call an upstream
//! API that accepts connections and never answers. The workers are busy with long jobs
//! when a burst arrives; clients give up after a while, as real clients do. What the
//! server does with the burst, and what is still alive afterwards, is the lesson.

use std::net::SocketAddr;
use std::time::Duration;

use futures::stream::{FuturesUnordered, StreamExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::kit::{Burst, Flags, Latency, Narrator, SlowBackend, TestServer, burst, wait_until};

/// Workers in the pool.
pub const WORKERS: usize = 2;

/// Jobs the queue holds.
pub const QUEUE_CAPACITY: usize = 8;

/// Requests in each burst.
pub const BURST: usize = 100;

/// How long the burst's clients wait for an answer, once the whole burst is in,
/// before they give up (see [`burst_then_give_up`]).
pub fn client_patience(flags: &Flags) -> Duration {
    flags.ms(300)
}

/// How long a job takes: far longer than a burst and its clients' patience, so that
/// workers busy when a burst begins are still busy when its last client gives up, and
/// the only room a burst finds is the queue's.
pub fn job_time(flags: &Flags) -> Duration {
    flags.ms(5000)
}

/// What a job does: a call to the jobs' database, which takes [`job_time`]. Not
/// narrated: a line per job would drown the story. Its counts tell how many jobs are
/// running.
pub fn job_db(flags: &Flags) -> SlowBackend {
    SlowBackend::new("jobs", Latency::Fixed(job_time(flags)), &Narrator::quiet())
}

/// Gives every worker a job before the burst: sends one job per worker to `/enqueue`,
/// then waits, up to `within`, until the jobs' database has that many calls running.
/// Returns how many are running.
pub async fn occupy_workers(server: &TestServer, jobs_db: &SlowBackend, within: Duration) -> usize {
    burst(server, "/enqueue", WORKERS).await;
    let running = || jobs_db.stats().in_flight;
    wait_until(within, || running() >= WORKERS).await;
    running()
}

/// Sends `n` GETs to `path` at once, from clients that wait until the whole burst is in
/// (every request answered, or `waiting` in a handler), then `patience` more for an
/// answer, and hang up together. On a slow machine the burst takes longer to get in,
/// and what the server did with it stays the same.
pub async fn burst_then_give_up(
    server: &TestServer,
    path: &str,
    n: usize,
    waiting: impl Fn() -> usize,
    patience: Duration,
) -> Burst {
    let started = Instant::now();
    let mut under_way: FuturesUnordered<_> = (0..n).map(|_| burst(server, path, 1)).collect();
    let mut ended = Vec::with_capacity(n);
    // A bound, for a server that neither answers a request nor holds it: far longer
    // than a slow machine takes to let a burst in, and still shorter than a job.
    let all_in_by = Instant::now() + patience * 10;
    while ended.len() + waiting() < n && Instant::now() < all_in_by {
        tokio::select! {
            Some(one) = under_way.next() => ended.push(one),
            () = tokio::time::sleep(Duration::from_millis(1)) => {}
        }
    }
    let giving_up = tokio::time::sleep(patience);
    tokio::pin!(giving_up);
    while !under_way.is_empty() {
        tokio::select! {
            Some(one) = under_way.next() => ended.push(one),
            () = &mut giving_up => break,
        }
    }
    // Dropping a request hangs up its connection: the client gives up.
    let gave_up = under_way.len();
    drop(under_way);
    let mut all = Burst {
        failed: gave_up,
        slowest: if gave_up > 0 {
            started.elapsed()
        } else {
            Duration::ZERO
        },
        latencies: std::iter::repeat_n(started.elapsed(), gave_up).collect(),
        ..Burst::default()
    };
    for one in &ended {
        all.merge(one);
    }
    all.took = started.elapsed();
    all
}

/// An upstream that accepts every connection and never sends a byte back: a peer
/// hung in the middle of a deploy, a firewall that swallows packets.
///
/// Returns its address and the task that holds its connections open.
pub async fn hung_upstream() -> anyhow::Result<(SocketAddr, JoinHandle<()>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let holding = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((connection, _)) = listener.accept().await {
            // Keep the socket open, read nothing, answer nothing.
            held.push(connection);
        }
    });
    Ok((addr, holding))
}
