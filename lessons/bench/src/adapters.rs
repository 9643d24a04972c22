//! Each implementation behind [`Coalescer`], doing the same work in the same way: the
//! caller builds its `fetch` future, and only a flight's leader polls it.
//!
//! The bench hands every batch a fresh instance, built before its clock starts. For moka
//! this is what makes the comparison fair: it is a cache, and a cache kept from the
//! previous batch would answer from the stored value without running any work.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;

use crate::naive::NaiveBroadcast;
use crate::{CALLERS, Coalescer};

/// The course's `lessons::singleflight::Group`: the work runs in a task of its own.
#[derive(Clone)]
pub struct CourseGroup(lessons::singleflight::Group<u64, u64, Infallible>);

impl Coalescer for CourseGroup {
    const NAME: &'static str = "ours";

    fn fresh() -> Self {
        CourseGroup(lessons::singleflight::Group::new())
    }

    fn load(
        &self,
        key: u64,
        fetch: impl Future<Output = u64> + Send + 'static,
    ) -> impl Future<Output = u64> + Send + 'static {
        let group = self.0.clone();
        async move {
            let outcome = group
                .run(key, async move { Ok::<_, Infallible>(fetch.await) })
                .await;
            outcome
                .result
                .expect("the work neither fails nor panics, and the runtime outlives it")
        }
    }
}

/// moka's `future::Cache::get_with`: concurrent callers for a missing key wait for one
/// initialisation, which then stays in the cache.
#[derive(Clone)]
pub struct MokaCache(moka::future::Cache<u64, u64>);

impl Coalescer for MokaCache {
    const NAME: &'static str = "moka";

    fn fresh() -> Self {
        // Room for every key of a batch, so that nothing is evicted mid-batch.
        MokaCache(moka::future::Cache::new(CALLERS))
    }

    fn load(
        &self,
        key: u64,
        fetch: impl Future<Output = u64> + Send + 'static,
    ) -> impl Future<Output = u64> + Send + 'static {
        let cache = self.0.clone();
        async move { cache.get_with(key, fetch).await }
    }
}

/// The `async_singleflight` crate: the leader's caller polls the work itself.
#[derive(Clone)]
pub struct AsyncSingleflight(Arc<async_singleflight::Group<u64, u64, Infallible>>);

impl Coalescer for AsyncSingleflight {
    const NAME: &'static str = "async_singleflight";

    fn fresh() -> Self {
        AsyncSingleflight(Arc::new(async_singleflight::Group::new()))
    }

    fn load(
        &self,
        key: u64,
        fetch: impl Future<Output = u64> + Send + 'static,
    ) -> impl Future<Output = u64> + Send + 'static {
        let group = self.0.clone();
        async move {
            group
                .work(&key, async move { Ok::<_, Infallible>(fetch.await) })
                .await
                .expect("the work cannot fail")
        }
    }
}

/// The `singleflight-async` crate: the leader's caller polls the work itself, and the
/// others queue on a lock to read its result.
#[derive(Clone)]
pub struct SingleflightAsync(Arc<singleflight_async::SingleFlight<u64, u64>>);

impl Coalescer for SingleflightAsync {
    const NAME: &'static str = "singleflight-async";

    fn fresh() -> Self {
        SingleflightAsync(Arc::new(singleflight_async::SingleFlight::new()))
    }

    fn load(
        &self,
        key: u64,
        fetch: impl Future<Output = u64> + Send + 'static,
    ) -> impl Future<Output = u64> + Send + 'static {
        let group = self.0.clone();
        // The crate takes a closure so that only the leader builds the work; handing it
        // one that returns the future already built keeps the work equal for everyone.
        async move { group.work(key, move || fetch).await }
    }
}

impl Coalescer for NaiveBroadcast<u64, u64> {
    const NAME: &'static str = "naive_broadcast";

    fn fresh() -> Self {
        NaiveBroadcast::default()
    }

    fn load(
        &self,
        key: u64,
        fetch: impl Future<Output = u64> + Send + 'static,
    ) -> impl Future<Output = u64> + Send + 'static {
        self.run(key, fetch)
    }
}

/// The naive baseline with its work moved into a task of its own, as our `Group` runs
/// it. A reference, not a contestant: next to `naive_broadcast` it measures what that
/// task costs, by itself.
#[derive(Clone)]
pub struct NaiveInTask(NaiveBroadcast<u64, u64>);

impl Coalescer for NaiveInTask {
    const NAME: &'static str = "naive_in_task";

    fn fresh() -> Self {
        NaiveInTask(NaiveBroadcast::default())
    }

    fn load(
        &self,
        key: u64,
        fetch: impl Future<Output = u64> + Send + 'static,
    ) -> impl Future<Output = u64> + Send + 'static {
        self.0.run_in_task(key, fetch)
    }
}

/// No coalescing at all: every caller runs its own work. A reference, not a
/// contestant: with one key it shows what coalescing saves or costs for this work, and
/// with distinct keys, where nothing can be coalesced, the floor every other one pays
/// its bookkeeping on top of.
#[derive(Clone)]
pub struct Uncoalesced;

impl Coalescer for Uncoalesced {
    const NAME: &'static str = "uncoalesced";

    fn fresh() -> Self {
        Uncoalesced
    }

    fn load(
        &self,
        _key: u64,
        fetch: impl Future<Output = u64> + Send + 'static,
    ) -> impl Future<Output = u64> + Send + 'static {
        fetch
    }
}
