//! Grader for exercise 02: `fetch_all_within` times out and leaves nothing running.
//!
//! Shared by the exercise and the solution (see `ex01_fan_out.rs`). Time is paused:
//! "later" below is a jump of the clock, not a real wait.

use std::time::Duration;

use lessons::kit::grading::{let_tasks_run, paused, within};
use lessons::kit::{Latency, Narrator, SlowBackend, TaskGauge, ms};
use tokio::time::Instant;

use super::subject::{TimedOut, fetch_all_within};

const KEYS: [&str; 4] = ["foo", "bar", "baz", "qux"];
const LIMIT: Duration = Duration::from_secs(5);
const STUCK: &str = "it never returned, not even at its own limit: does the timeout \
                     wrap everything that is awaited?";

/// foo and baz outlast a 25 ms limit; bar and qux finish within it.
fn backend() -> SlowBackend {
    let latencies = [
        ("foo", ms(40)),
        ("bar", ms(10)),
        ("baz", ms(30)),
        ("qux", ms(20)),
    ];
    SlowBackend::new("backend", Latency::per_key(latencies), &Narrator::quiet())
}

#[test]
fn answers_in_order_when_the_calls_fit_the_limit() {
    paused(|| async {
        let answers = within(
            LIMIT,
            "fetch_all_within",
            STUCK,
            fetch_all_within(&backend(), &KEYS, ms(100)),
        )
        .await;
        assert_eq!(
            answers,
            Ok(KEYS.map(String::from).to_vec()),
            "with a 100 ms limit every call (at most 40 ms) fits: expected every answer, in \
             the order of `keys`"
        );
    });
}

#[test]
fn answers_as_fast_as_the_slowest_call() {
    paused(|| async {
        let started = Instant::now();
        let _ = within(
            LIMIT,
            "fetch_all_within",
            STUCK,
            fetch_all_within(&backend(), &KEYS, ms(100)),
        )
        .await;
        let took = started.elapsed();
        assert!(
            took < ms(45),
            "took {} ms: the calls should run at once (40 ms), not one after another (100 ms)",
            took.as_millis()
        );
    });
}

#[test]
fn gives_up_at_the_limit() {
    paused(|| async {
        let started = Instant::now();
        let outcome = within(
            LIMIT,
            "fetch_all_within",
            STUCK,
            fetch_all_within(&backend(), &KEYS, ms(25)),
        )
        .await;
        let took = started.elapsed();
        assert_eq!(
            outcome,
            Err(TimedOut),
            "foo (40 ms) cannot finish within 25 ms"
        );
        assert!(
            took >= ms(25) && took < ms(30),
            "gave up after {} ms; the limit is 25 ms. Hint: one timeout around all the calls, \
             not one per call.",
            took.as_millis()
        );
    });
}

#[test]
fn no_call_runs_on_after_a_timeout() {
    paused(|| async {
        let backend = backend();
        let _ = within(
            LIMIT,
            "fetch_all_within",
            STUCK,
            fetch_all_within(&backend, &KEYS, ms(25)),
        )
        .await;
        let_tasks_run().await;
        let at_return = backend.stats();
        tokio::time::sleep(ms(100)).await;
        let later = backend.stats();
        assert!(
            at_return.in_flight == 0 && later.finished == at_return.finished,
            "after fetch_all_within returned TimedOut, {} calls were still running and {} \
             finished later: the timeout answered, but the work went on (lesson 02). Hint: keep \
             the calls inside the future the timeout drops, or abort the tasks you spawned.\n\
             at return: {at_return:?}\nlater: {later:?}",
            at_return.in_flight,
            later.finished - at_return.finished
        );
        assert_eq!(
            at_return.cancelled, 2,
            "foo and baz should be cancelled: {at_return:?}"
        );
    });
}

#[test]
fn no_task_outlives_a_timeout() {
    paused(|| async {
        let gauge = TaskGauge::new();
        let _ = within(
            LIMIT,
            "fetch_all_within",
            STUCK,
            fetch_all_within(&backend(), &KEYS, ms(25)),
        )
        .await;
        let left = gauge.settle(ms(2)).await;
        assert_eq!(
            left, 0,
            "{left} tasks were still alive after fetch_all_within returned TimedOut. Spawned \
             tasks run on when their JoinHandle is dropped; a JoinSet or AbortOnDropHandle \
             aborts them, and no spawn at all needs no cleanup."
        );
    });
}
