//! Times our singleflight `Group` against the published Rust crates and a naive
//! baseline, in one run and on one runtime, so that the figures compare side by side.
//! The book's page `singleflight-benchmark.md` reports and reads them.
//!
//! Run with `cargo bench -p bench`. Each timed iteration is one batch of callers (see
//! `bench::run_batch`) through a fresh instance, built and dropped outside the clock.
//! Before timing, the run prints how many times each one ran the work per hot-key
//! batch: a fast time that coalesced less would not be a fair win.

use std::future::Future;
use std::time::{Duration, Instant};

use bench::adapters::{
    AsyncSingleflight, CourseGroup, MokaCache, NaiveInTask, SingleflightAsync, Uncoalesced,
};
use bench::naive::NaiveBroadcast;
use bench::{Backend, CALLERS, Coalescer, Scenario, run_batch};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput};
use tokio::runtime::Runtime;

/// Kept short so that the whole run takes under two minutes.
const SAMPLES: usize = 20;
const MEASUREMENT: Duration = Duration::from_secs(3);
const WARM_UP: Duration = Duration::from_secs(1);

/// Hot-key batches run to count executions before the timing starts.
const CENSUS_BATCHES: u64 = 200;

/// The runtime every contestant runs on: multi-threaded, two workers, one per core of
/// the machine the book's figures come from.
fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("a two-worker runtime builds")
}

/// Prints the executions of the work per hot-key batch for `C`.
fn census<C: Coalescer>(runtime: &Runtime) {
    let per_batch: Vec<u64> = (0..CENSUS_BATCHES)
        .map(|_| {
            on_a_worker(runtime, async {
                let backend = Backend::default();
                run_batch(&C::fresh(), &backend, Scenario::HotKey.keys()).await;
                backend.executions()
            })
        })
        .collect();
    let mean = per_batch.iter().sum::<u64>() as f64 / per_batch.len() as f64;
    let least = per_batch.iter().min().copied().unwrap_or_default();
    let most = per_batch.iter().max().copied().unwrap_or_default();
    println!(
        "  {:<20} mean {mean:>6.2}  min {least:>3}  max {most:>3}",
        C::NAME
    );
}

/// Runs `driver` in a task on one of the runtime's workers and waits for it. Driven
/// from the thread that blocks on the runtime instead, the batches would have a third
/// busy thread competing with the two workers for the two cores.
fn on_a_worker<T: Send + 'static>(
    runtime: &Runtime,
    driver: impl Future<Output = T> + Send + 'static,
) -> T {
    runtime.block_on(async {
        tokio::spawn(driver)
            .await
            .expect("the benchmark's driver panicked")
    })
}

/// Times batches of `scenario` through `C`.
fn time_batches<C: Coalescer>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    runtime: &Runtime,
    scenario: Scenario,
) {
    group.bench_function(C::NAME, |bencher| {
        bencher.iter_custom(|batches| on_a_worker(runtime, timed_batches::<C>(scenario, batches)));
    });
}

/// Runs `batches` batches of `scenario` through `C`; returns the time they took.
async fn timed_batches<C: Coalescer>(scenario: Scenario, batches: u64) -> Duration {
    let mut timed = Duration::ZERO;
    for _ in 0..batches {
        // Fresh for every batch, so that no batch is answered from the state the
        // previous one left (moka would serve its cached value): built before the
        // clock starts and dropped after it stops, for every contestant alike.
        let coalescer = C::fresh();
        let backend = Backend::default();
        let started = Instant::now();
        run_batch(&coalescer, &backend, scenario.keys()).await;
        timed += started.elapsed();
    }
    timed
}

fn compare(criterion: &mut Criterion, runtime: &Runtime, scenario: Scenario) {
    let mut group = criterion.benchmark_group(scenario.name());
    // Throughput in calls: a batch is CALLERS calls.
    group.throughput(Throughput::Elements(CALLERS));
    time_batches::<CourseGroup>(&mut group, runtime, scenario);
    time_batches::<MokaCache>(&mut group, runtime, scenario);
    time_batches::<AsyncSingleflight>(&mut group, runtime, scenario);
    time_batches::<SingleflightAsync>(&mut group, runtime, scenario);
    time_batches::<NaiveBroadcast<u64, u64>>(&mut group, runtime, scenario);
    time_batches::<NaiveInTask>(&mut group, runtime, scenario);
    time_batches::<Uncoalesced>(&mut group, runtime, scenario);
    group.finish();
}

fn main() {
    let runtime = runtime();

    println!(
        "executions of the work per batch of {CALLERS} callers on one key ({CENSUS_BATCHES} batches):"
    );
    census::<CourseGroup>(&runtime);
    census::<MokaCache>(&runtime);
    census::<AsyncSingleflight>(&runtime);
    census::<SingleflightAsync>(&runtime);
    census::<NaiveBroadcast<u64, u64>>(&runtime);
    census::<NaiveInTask>(&runtime);
    census::<Uncoalesced>(&runtime);
    println!();

    let mut criterion = Criterion::default()
        .sample_size(SAMPLES)
        .measurement_time(MEASUREMENT)
        .warm_up_time(WARM_UP)
        .configure_from_args();
    for scenario in Scenario::ALL {
        compare(&mut criterion, &runtime, scenario);
    }
    criterion.final_summary();
}
