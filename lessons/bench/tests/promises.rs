//! What each contestant does when a flight goes wrong, measured rather than read.
//!
//! Chapter 09 says which published crates keep the group's promises when the first
//! caller leaves mid-way or the work panics. This file is where those sentences come
//! from: each contestant faces the same two scenes, and every waiter's fate is counted
//! as answered, failed (an error or a panic reached it) or still waiting after a bound.
//! The versions are pinned in `lessons/bench/Cargo.toml`, so the figures hold until a
//! version changes; when one does, this test says which sentence to revisit.
//!
//! Run with `cargo test -p bench --test promises -- --nocapture` to see the table.

use std::time::Duration;

use bench::Coalescer;
use bench::adapters::{AsyncSingleflight, CourseGroup, MokaCache, NaiveInTask, SingleflightAsync};
use bench::naive::NaiveBroadcast;
use tokio::task::JoinHandle;

/// Waiters per scene, beside the first caller.
const WAITERS: usize = 4;
/// How long the work takes when nothing goes wrong.
const WORK: Duration = Duration::from_millis(100);
/// How long a waiter may wait before it counts as waiting for ever: twenty times the work.
const BOUND: Duration = Duration::from_secs(2);

/// What became of a scene's waiters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fates {
    answered: usize,
    failed: usize,
    still_waiting: usize,
}

impl Fates {
    const fn answered(n: usize) -> Fates {
        Fates {
            answered: n,
            failed: 0,
            still_waiting: 0,
        }
    }
    const fn failed(n: usize) -> Fates {
        Fates {
            answered: 0,
            failed: n,
            still_waiting: 0,
        }
    }
    const fn still_waiting(n: usize) -> Fates {
        Fates {
            answered: 0,
            failed: 0,
            still_waiting: n,
        }
    }
}

/// Counts how the waiters' tasks ended within [`BOUND`].
async fn fates(waiters: Vec<JoinHandle<u64>>) -> Fates {
    let mut fates = Fates::answered(0);
    for waiter in waiters {
        match tokio::time::timeout(BOUND, waiter).await {
            Ok(Ok(_)) => fates.answered += 1,
            Ok(Err(_)) => fates.failed += 1,
            Err(_) => fates.still_waiting += 1,
        }
    }
    fates
}

/// Waiters that join a flight once it is under way; their own work, if any of them
/// runs it, answers at once.
async fn join_after_the_start<C: Coalescer>(group: &C) -> Vec<JoinHandle<u64>> {
    tokio::time::sleep(Duration::from_millis(10)).await;
    (0..WAITERS)
        .map(|_| {
            let group = group.clone();
            tokio::spawn(async move { group.load(1, async { 1 }).await })
        })
        .collect()
}

/// The first caller's task is aborted 20 ms into a 100 ms flight (a client that hung
/// up, a timeout), after the waiters joined.
async fn first_caller_leaves<C: Coalescer>() -> Fates {
    let group = C::fresh();
    let first = tokio::spawn({
        let group = group.clone();
        async move {
            group
                .load(1, async {
                    tokio::time::sleep(WORK).await;
                    1
                })
                .await
        }
    });
    let waiters = join_after_the_start(&group).await;
    tokio::time::sleep(Duration::from_millis(10)).await;
    first.abort();
    fates(waiters).await
}

/// The work panics 50 ms in, after the waiters joined.
async fn work_panics<C: Coalescer>() -> Fates {
    let group = C::fresh();
    let first = tokio::spawn({
        let group = group.clone();
        async move {
            group
                .load(1, async {
                    tokio::time::sleep(WORK / 2).await;
                    panic!("the work failed half-way");
                })
                .await
        }
    });
    let waiters = join_after_the_start(&group).await;
    let fates = fates(waiters).await;
    // Some contestants leave the first caller waiting for ever too.
    first.abort();
    fates
}

async fn measure<C: Coalescer>(left: Fates, panicked: Fates) {
    let seen = (first_caller_leaves::<C>().await, work_panics::<C>().await);
    println!(
        "{:<20} first caller leaves: {:?}\n{:<20} the work panics:     {:?}",
        C::NAME,
        seen.0,
        "",
        seen.1
    );
    assert_eq!(
        seen,
        (left, panicked),
        "{}: the waiters' fates changed; revisit what chapter 09 and the benchmark page \
         say of it",
        C::NAME
    );
}

// The course's group answers every waiter when the first caller leaves (the work
// moves to a task of its own), and fails each one with an error when the work panics.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ours() {
    measure::<CourseGroup>(Fates::answered(WAITERS), Fates::failed(WAITERS)).await;
}

// moka's `get_with`: when the initialising caller is dropped or its work panics, a
// waiter takes over and runs its own work: every waiter answered, the work run again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moka() {
    measure::<MokaCache>(Fates::answered(WAITERS), Fates::answered(WAITERS)).await;
}

// async_singleflight's `work`: the same takeover, a waiter re-runs its own work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_singleflight() {
    measure::<AsyncSingleflight>(Fates::answered(WAITERS), Fates::answered(WAITERS)).await;
}

// singleflight-async: the lock is released with no value, and the next waiter in line
// runs its own work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn singleflight_async() {
    measure::<SingleflightAsync>(Fates::answered(WAITERS), Fates::answered(WAITERS)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn naive_broadcast() {
    measure::<NaiveBroadcast<u64, u64>>(
        Fates::still_waiting(WAITERS),
        Fates::still_waiting(WAITERS),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn naive_in_task() {
    measure::<NaiveInTask>(Fates::answered(WAITERS), Fates::still_waiting(WAITERS)).await;
}
