//! Before a contestant's time means anything, it must really coalesce: on one hot key,
//! fewer executions of the work than callers. And where nothing can be coalesced, it
//! must not skip work: with distinct keys, one execution per caller.
//!
//! The runtime is the bench's: multi-threaded, two workers.

use bench::adapters::{AsyncSingleflight, CourseGroup, MokaCache, NaiveInTask, SingleflightAsync};
use bench::naive::NaiveBroadcast;
use bench::{Backend, CALLERS, Coalescer, Scenario, run_batch};

/// How many times the work ran for one batch of `scenario` through a fresh `C`.
async fn executions<C: Coalescer>(scenario: Scenario) -> u64 {
    let backend = Backend::default();
    run_batch(&C::fresh(), &backend, scenario.keys()).await;
    backend.executions()
}

async fn assert_coalesces_a_hot_key<C: Coalescer>() {
    let executions = executions::<C>(Scenario::HotKey).await;
    assert!(
        (1..CALLERS).contains(&executions),
        "{}: {CALLERS} callers of one key ran the work {executions} times; \
         a singleflight runs it fewer times than it has callers",
        C::NAME
    );
}

async fn assert_runs_each_distinct_key_once<C: Coalescer>() {
    let executions = executions::<C>(Scenario::DistinctKeys).await;
    assert_eq!(
        executions,
        CALLERS,
        "{}: {CALLERS} callers of distinct keys must each run the work once",
        C::NAME
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ours_coalesces_a_hot_key() {
    assert_coalesces_a_hot_key::<CourseGroup>().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moka_coalesces_a_hot_key() {
    assert_coalesces_a_hot_key::<MokaCache>().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_singleflight_coalesces_a_hot_key() {
    assert_coalesces_a_hot_key::<AsyncSingleflight>().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn singleflight_async_coalesces_a_hot_key() {
    assert_coalesces_a_hot_key::<SingleflightAsync>().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn naive_broadcast_coalesces_a_hot_key() {
    assert_coalesces_a_hot_key::<NaiveBroadcast<u64, u64>>().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ours_runs_each_distinct_key_once() {
    assert_runs_each_distinct_key_once::<CourseGroup>().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moka_runs_each_distinct_key_once() {
    assert_runs_each_distinct_key_once::<MokaCache>().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_singleflight_runs_each_distinct_key_once() {
    assert_runs_each_distinct_key_once::<AsyncSingleflight>().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn singleflight_async_runs_each_distinct_key_once() {
    assert_runs_each_distinct_key_once::<SingleflightAsync>().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn naive_broadcast_runs_each_distinct_key_once() {
    assert_runs_each_distinct_key_once::<NaiveBroadcast<u64, u64>>().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn naive_in_task_coalesces_a_hot_key() {
    assert_coalesces_a_hot_key::<NaiveInTask>().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn naive_in_task_runs_each_distinct_key_once() {
    assert_runs_each_distinct_key_once::<NaiveInTask>().await;
}
