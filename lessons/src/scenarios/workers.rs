//! The worker scenario of lessons 07 (leaky) and 08 (fixed).
//!
//! Handlers hand jobs to a small pool of workers through a queue, and call an upstream
//! API that accepts connections and never answers. A burst arrives; clients give up
//! after a while, as real clients do. What is still alive afterwards is the lesson.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::kit::{Flags, Latency, Narrator, SlowBackend};

/// Workers in the pool.
pub const WORKERS: usize = 2;

/// Jobs the queue holds.
pub const QUEUE_CAPACITY: usize = 8;

/// Requests in each burst.
pub const BURST: usize = 100;

/// How long the burst's clients wait for an answer before giving up.
pub fn client_patience(flags: &Flags) -> Duration {
    flags.ms(300)
}

/// What a job does: a call to the jobs' database, which takes a while. Not narrated:
/// a line per job would drown the story.
pub fn job_db(flags: &Flags) -> SlowBackend {
    SlowBackend::new("jobs", Latency::Fixed(flags.ms(20)), &Narrator::quiet())
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
