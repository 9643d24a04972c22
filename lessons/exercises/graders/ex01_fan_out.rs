//! Grader for exercise 01: `fetch_all` fans out to every key at once.
//!
//! Shared: `lessons/exercises/tests/ex01_fan_out.rs` runs it against the learner's
//! file, `solutions/tests/ex01_fan_out.rs` against the reference solution. Time is
//! paused, so latencies are exact and a stuck answer fails at once.

use std::time::Duration;

use lessons::kit::grading::{let_tasks_run, paused, within};
use lessons::kit::{Latency, Narrator, SlowBackend, ms};
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
