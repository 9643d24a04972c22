//! Grader for exercise 02: `fetch_all_within` times out and leaves nothing running.
//!
//! Shared by the exercise, the solution and the known mistakes (see `ex01_fan_out.rs`).
//! Time is paused: "later" below is a jump of the clock, not a real wait.
//!
//! The classes of half-right answers, and where each is caught:
//! * dropped by its caller: cleaning up on its own timeout is half of it; an outer
//!   timeout or a client that hangs up drops the future first
//!   (`a_caller_that_gives_up_first_leaves_no_call_running`);
//! * the demo's sizes: twenty keys under one limit (`many_keys_share_one_limit`);
//! * right eventually, wrong now: it must give up at the limit, to the millisecond
//!   (`gives_up_at_the_limit`), and the calls must be cancelled at that moment, not
//!   end later by themselves (`no_call_runs_on_after_a_timeout`);
//! * the contract: the future must be `Send` (checked when this file compiles).
//!
//! Not applicable: races between threads (nothing is shared but the backend's atomic
//! counters), shutdown (nothing outlives the call), slow peers (the backend is
//! in-process).

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

/// A handler's future must be `Send`: axum and tokio move it between threads.
#[allow(dead_code)] // only compiled, never run: the check is the compiler's
fn fetch_all_within_must_be_send_because_handlers_run_on_any_thread(backend: &SlowBackend) {
    fn send<T: Send>(_: T) {}
    send(fetch_all_within(backend, &KEYS, ms(1)));
}

#[test]
fn a_caller_that_gives_up_first_leaves_no_call_running() {
    paused(|| async {
        let backend = backend();
        let gauge = TaskGauge::new();
        // Its own limit is generous (100 ms); the caller's is not: it drops the future
        // at 15 ms, as an outer timeout or a client that hangs up would.
        let dropped = tokio::time::timeout(ms(15), fetch_all_within(&backend, &KEYS, ms(100)))
            .await
            .is_err();
        assert!(
            dropped,
            "the slowest call takes 40 ms: it cannot be done at 15 ms"
        );
        let_tasks_run().await;
        tokio::time::sleep(ms(100)).await;
        let stats = backend.stats();
        assert_eq!(
            (stats.finished, stats.cancelled, stats.in_flight),
            (1, 3, 0),
            "fetch_all_within was dropped at 15 ms by its caller, before its own limit, and \
             its calls went on: cleaning up only when its own timeout fires misses every other \
             way a future ends. Keep the calls inside the future, or in something that \
             aborts them when dropped (a JoinSet, AbortOnDropHandle). {stats:?}"
        );
        assert_eq!(
            gauge.settle(ms(2)).await,
            0,
            "a task outlived the caller that gave up"
        );
    });
}

#[test]
fn many_keys_share_one_limit() {
    paused(|| async {
        // Twenty keys, each 5 ms slower than the one before: 10 to 105 ms, within 150.
        let names: Vec<String> = (0..20).map(|n| format!("key-{n:02}")).collect();
        let keys: Vec<&str> = names.iter().map(String::as_str).collect();
        let latencies = keys
            .iter()
            .enumerate()
            .map(|(n, key)| (*key, ms(10 + 5 * n as u64)));
        let backend = SlowBackend::new("backend", Latency::per_key(latencies), &Narrator::quiet());
        let started = Instant::now();
        let outcome = within(
            LIMIT,
            "fetch_all_within over 20 keys",
            STUCK,
            fetch_all_within(&backend, &keys, ms(150)),
        )
        .await;
        assert_eq!(
            outcome,
            Ok(names.clone()),
            "20 calls of at most 105 ms fit a 150 ms limit when they run at once: expected \
             every answer, in order, after {} ms",
            started.elapsed().as_millis()
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
