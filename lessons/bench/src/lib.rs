//! What the singleflight benchmark compares, kept out of the bench file so that tests
//! can prove every contestant really coalesces before its timing means anything.
//!
//! * [`Coalescer`]: the one shape every implementation is driven through.
//! * [`Backend`]: the work they all coalesce, counting how often it really ran.
//! * [`Scenario`] and [`run_batch`]: a batch of callers released together, exactly as
//!   the bench times it and the tests check it.
//! * [`adapters`]: our `Group`, the published crates and two references (no coalescing
//!   at all; the naive baseline with its work in a task), each behind [`Coalescer`].
//! * [`naive`]: the baseline a reader might write first, a map of broadcast senders.

pub mod adapters;
pub mod naive;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How many callers a batch releases at once.
pub const CALLERS: u64 = 256;

/// How many times the work gives way to the scheduler before it answers: enough for
/// the callers released with the first one to find its flight under way and join it,
/// with no timer involved (a timer would make the batch measure the timer).
pub const FETCH_YIELDS: usize = 8;

/// One implementation of request coalescing, as the bench drives it.
pub trait Coalescer: Clone + Send + Sync + 'static {
    /// The name the bench and its report print.
    const NAME: &'static str;

    /// A new instance: no flight under way, nothing cached.
    fn fresh() -> Self;

    /// The value for `key`: from `fetch`, unless a call for `key` is already under
    /// way, in which case from that call, and `fetch` is dropped unpolled.
    fn load(
        &self,
        key: u64,
        fetch: impl Future<Output = u64> + Send + 'static,
    ) -> impl Future<Output = u64> + Send + 'static;
}

/// The slow dependency every implementation coalesces calls to. Clones share the count.
#[derive(Clone, Default)]
pub struct Backend {
    /// How many calls actually ran, as opposed to being joined.
    executions: Arc<AtomicU64>,
}

impl Backend {
    /// One call for `key`. Every caller builds this future; only a flight's leader
    /// polls it, so the count says how well the callers were coalesced.
    // ANCHOR: fetch
    pub fn fetch(&self, key: u64) -> impl Future<Output = u64> + Send + 'static {
        let executions = self.executions.clone();
        async move {
            executions.fetch_add(1, Ordering::Relaxed);
            for _ in 0..FETCH_YIELDS {
                tokio::task::yield_now().await;
            }
            Backend::answer(key)
        }
    }
    // ANCHOR_END: fetch

    /// What a call for `key` returns, so that a caller handed another key's value is caught.
    pub fn answer(key: u64) -> u64 {
        key.wrapping_mul(31).wrapping_add(7)
    }

    /// Calls that ran so far.
    pub fn executions(&self) -> u64 {
        self.executions.load(Ordering::Relaxed)
    }
}

/// Which keys a batch's callers ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    /// Every caller asks for the same key: one flight, which the others join.
    HotKey,
    /// Every caller asks for a key of its own: as many flights as callers.
    DistinctKeys,
}

impl Scenario {
    pub const ALL: [Scenario; 2] = [Scenario::HotKey, Scenario::DistinctKeys];

    /// The name criterion files the scenario's figures under.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::HotKey => "hot_key",
            Scenario::DistinctKeys => "distinct_keys",
        }
    }

    /// The key each of the batch's callers asks for, one per caller.
    pub fn keys(self) -> impl Iterator<Item = u64> {
        (0..CALLERS).map(move |caller| match self {
            Scenario::HotKey => 0,
            Scenario::DistinctKeys => caller,
        })
    }
}

/// Runs one batch: a caller per key, each a task of its own as each request is in a
/// server, all asking at once; returns when every caller has its answer, and panics
/// if one got a wrong one.
///
/// The callers are spawned first and held at a gate, then released together: spawned
/// straight into the call, the first ones could finish before the last were spawned,
/// and how much a batch coalesced would depend on the spawning speed.
pub async fn run_batch<C: Coalescer>(
    coalescer: &C,
    backend: &Backend,
    keys: impl IntoIterator<Item = u64>,
) {
    let (open, gate) = watch::channel(false);
    let callers: Vec<(u64, JoinHandle<u64>)> = keys
        .into_iter()
        .map(|key| {
            let mut gate = gate.clone();
            let coalescer = coalescer.clone();
            let backend = backend.clone();
            let caller = tokio::spawn(async move {
                gate.wait_for(|open| *open)
                    .await
                    .expect("the gate's sender lives until every caller has answered");
                coalescer.load(key, backend.fetch(key)).await
            });
            (key, caller)
        })
        .collect();
    open.send_replace(true);
    for (key, caller) in callers {
        let value = caller.await.expect("a caller panicked");
        assert_eq!(
            value,
            Backend::answer(key),
            "{}: the caller for key {key} got another key's value",
            C::NAME
        );
    }
}
