//! Grader for exercise 01: `fetch_all` fans out to every key at once.
//!
//! Shared: `lessons/exercises/tests/ex01_fan_out.rs` runs it against the learner's
//! file, `solutions/tests/ex01_fan_out.rs` against the reference solution, and
//! `lessons/mistakes` against the answers that look right and are not. Time is paused,
//! so latencies are exact and a stuck answer fails at once.
//!
//! The classes of half-right answers, and where each is caught:
//! * dropped by its caller: a caller that gives up mid-way must leave no call running
//!   (`a_caller_that_gives_up_leaves_no_call_running`);
//! * the demo's sizes: twenty keys, and keys asked for twice
//!   (`many_keys_are_all_asked_at_once`, `a_key_asked_twice_gets_an_answer_each_time`);
//! * the contract: handlers run on every thread, so the future must be `Send` (checked
//!   when this file compiles);
//! * right eventually: the time is checked to the millisecond, not within a window.
//!
//! Not applicable: races between threads (the calls share nothing but the backend,
//! whose counters are atomic), shutdown (nothing outlives the call), and slow peers
//! (the backend is in-process).

use std::time::Duration;

use lessons::kit::grading::{let_tasks_run, paused, within};
use lessons::kit::{Latency, Narrator, SlowBackend, TaskGauge, ms};
use tokio::time::Instant;

use super::subject::fetch_all;

const KEYS: [&str; 4] = ["foo", "bar", "baz", "qux"];
/// The slowest key comes first and the fastest second, so that the order the calls
/// finish in is not the order they were asked in.
const SLOWEST: Duration = ms(40);
const LIMIT: Duration = Duration::from_secs(5);
const STUCK: &str = "it never finished: is something awaited that never completes, \
                     such as a channel whose senders are still alive?";

fn backend() -> SlowBackend {
    let latencies = [
        ("foo", SLOWEST),
        ("bar", ms(10)),
        ("baz", ms(30)),
        ("qux", ms(20)),
    ];
    SlowBackend::new("backend", Latency::per_key(latencies), &Narrator::quiet())
}

#[test]
fn returns_every_answer_in_the_order_asked() {
    paused(|| async {
        let answers = within(LIMIT, "fetch_all", STUCK, fetch_all(&backend(), &KEYS)).await;
        assert_eq!(
            answers, KEYS,
            "the answers must come back in the order of `keys`, not the order the calls \
             finish in (foo finishes last). Hint: `futures::future::join_all` keeps the order."
        );
    });
}

#[test]
fn takes_as_long_as_the_slowest_call_not_the_sum() {
    paused(|| async {
        let started = Instant::now();
        within(LIMIT, "fetch_all", STUCK, fetch_all(&backend(), &KEYS)).await;
        let took = started.elapsed();
        assert!(
            took >= SLOWEST && took < SLOWEST + ms(5),
            "fetch_all took {} ms. The slowest call takes 40 ms; all four one after another \
             take 100 ms. Hint: create every call's future first, then await them together.",
            took.as_millis()
        );
    });
}

#[test]
fn runs_every_call_at_the_same_time() {
    paused(|| async {
        let backend = backend();
        within(LIMIT, "fetch_all", STUCK, fetch_all(&backend, &KEYS)).await;
        let stats = backend.stats();
        assert_eq!(
            stats.peak_in_flight, 4,
            "at most {} calls ran at once; all four should. {stats:?}",
            stats.peak_in_flight
        );
    });
}

#[test]
fn leaves_no_call_running() {
    paused(|| async {
        let backend = backend();
        within(LIMIT, "fetch_all", STUCK, fetch_all(&backend, &KEYS)).await;
        let_tasks_run().await;
        let stats = backend.stats();
        assert_eq!(
            (stats.started, stats.finished, stats.in_flight),
            (4, 4, 0),
            "exactly one call per key, all finished when fetch_all returns. {stats:?}"
        );
    });
}

/// A handler's future must be `Send`: axum and tokio move it between threads. A
/// learner whose future holds an `Rc` or a `RefCell` across an `.await` reads this
/// function's name in the compiler's error.
#[allow(dead_code)] // only compiled, never run: the check is the compiler's
fn fetch_all_must_be_send_because_handlers_run_on_any_thread(backend: &SlowBackend) {
    fn send<T: Send>(_: T) {}
    send(fetch_all(backend, &KEYS));
}

#[test]
fn many_keys_are_all_asked_at_once() {
    paused(|| async {
        // Twenty keys, each 5 ms slower than the one before: 10 to 105 ms.
        let names: Vec<String> = (0..20).map(|n| format!("key-{n:02}")).collect();
        let keys: Vec<&str> = names.iter().map(String::as_str).collect();
        let latencies = keys
            .iter()
            .enumerate()
            .map(|(n, key)| (*key, ms(10 + 5 * n as u64)));
        let backend = SlowBackend::new("backend", Latency::per_key(latencies), &Narrator::quiet());
        let started = Instant::now();
        let answers = within(
            LIMIT,
            "fetch_all over 20 keys",
            STUCK,
            fetch_all(&backend, &keys),
        )
        .await;
        let took = started.elapsed();
        assert_eq!(
            answers, keys,
            "twenty keys, twenty answers, in the order asked"
        );
        let peak = backend.stats().peak_in_flight;
        assert!(
            peak == 20 && took < ms(110),
            "20 keys took {} ms with at most {peak} calls at once; the slowest takes 105 ms. \
             The demo has 4 keys: is a limit of 4 (or any fixed number) written somewhere? \
             Every call should start before any is awaited.",
            took.as_millis()
        );
    });
}

#[test]
fn a_key_asked_twice_gets_an_answer_each_time() {
    paused(|| async {
        let backend = backend();
        let keys = ["foo", "bar", "foo", "qux", "bar"];
        let answers = within(
            LIMIT,
            "fetch_all with repeated keys",
            STUCK,
            fetch_all(&backend, &keys),
        )
        .await;
        assert_eq!(
            answers, keys,
            "each position in `keys` gets its own answer, even when a key appears twice: \
             track each call by its position, not by its key"
        );
        assert_eq!(
            backend.stats().started,
            5,
            "one call per position in `keys`"
        );
    });
}

#[test]
fn a_caller_that_gives_up_leaves_no_call_running() {
    paused(|| async {
        let backend = backend();
        let gauge = TaskGauge::new();
        // The caller gives up after 15 ms, as a timeout or a client hanging up would:
        // its future is dropped. By then only bar (10 ms) has answered.
        let gave_up = tokio::time::timeout(ms(15), fetch_all(&backend, &KEYS))
            .await
            .is_err();
        assert!(
            gave_up,
            "the slowest call takes 40 ms: fetch_all cannot be done at 15 ms"
        );
        let_tasks_run().await;
        tokio::time::sleep(ms(100)).await;
        let stats = backend.stats();
        assert_eq!(
            (stats.finished, stats.cancelled, stats.in_flight),
            (1, 3, 0),
            "the caller was dropped at 15 ms, yet calls went on and finished later: they were \
             spawned, and a dropped JoinHandle detaches its task. Keep the calls inside the \
             caller's future (join_all), or hold them in something that aborts on drop \
             (a JoinSet). {stats:?}"
        );
        assert_eq!(
            gauge.settle(ms(2)).await,
            0,
            "a task outlived the caller that gave up"
        );
    });
}

#[test]
fn no_keys_means_no_calls() {
    paused(|| async {
        let backend = backend();
        let answers = within(
            LIMIT,
            "fetch_all with no keys",
            STUCK,
            fetch_all(&backend, &[]),
        )
        .await;
        assert!(answers.is_empty(), "no keys, no answers: got {answers:?}");
        assert_eq!(
            backend.stats().started,
            0,
            "no keys should mean no backend calls"
        );
    });
}
