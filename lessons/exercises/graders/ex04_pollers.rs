//! Grader for exercise 04: pollers that stop alone, together, and at once.
//!
//! Shared by the exercise, the solution and the known mistakes (see `ex01_fan_out.rs`).
//! Time is paused, so "100 ms of polling" is exact and repeatable.
//!
//! The classes of half-right answers, and where each is caught:
//! * the demo's sizes: seven keys, in no sorted order, each token checked against its
//!   own key (`each_token_stops_its_own_poller_and_no_other`);
//! * right until shutdown: every poller ends at once, even mid-call, and none is left
//!   spinning after it (on paused time a spinning task stops the clock, and the bounded
//!   wait fails);
//! * many threads: shutdown on the multi-thread runtime
//!   (`shutdown_stops_every_poller_on_many_threads`);
//! * the contract: a poller never cancels the service; every poller is tracked;
//! * right eventually, wrong now: a poller that checks its token between calls stops,
//!   a call late, and fails the 20 ms bound.
//!
//! Not applicable: a caller that drops it (`start_pollers` returns at once; the
//! pollers belong to the tracker by design), and slow peers (the backend is
//! in-process).

use std::time::Duration;

use lessons::kit::grading::{let_tasks_run, paused, threaded, within};
use lessons::kit::{Latency, Narrator, SlowBackend, TaskGauge, ms};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::subject::start_pollers;

const KEYS: [&str; 3] = ["jobs", "mail", "stats"];

/// What a test needs: the backend, the service's token and tracker, the pollers' tokens.
struct Service {
    db: SlowBackend,
    shutdown: CancellationToken,
    tracker: TaskTracker,
    pollers: Vec<CancellationToken>,
}

fn start(call_takes: Duration) -> Service {
    let db = SlowBackend::new("db", Latency::Fixed(call_takes), &Narrator::quiet());
    let shutdown = CancellationToken::new();
    let tracker = TaskTracker::new();
    let pollers = start_pollers(&db, &KEYS, &shutdown, &tracker);
    Service {
        db,
        shutdown,
        tracker,
        pollers,
    }
}

#[test]
fn every_poller_keeps_calling() {
    paused(|| async {
        let service = start(ms(10));
        tokio::time::sleep(ms(100)).await;
        let started = service.db.stats().started;
        assert!(
            started >= 3 * 9,
            "3 pollers calling back to back for 100 ms (10 ms a call) should start about 30 \
             calls; they started {started}. Does each poller loop until it is told to stop?"
        );
    });
}

#[test]
fn one_token_and_one_tracked_task_per_poller() {
    paused(|| async {
        let service = start(ms(10));
        assert_eq!(
            service.pollers.len(),
            KEYS.len(),
            "return one token per key, in order"
        );
        assert_eq!(
            service.tracker.len(),
            KEYS.len(),
            "spawn every poller on `tracker` (tracker.spawn), or the service cannot wait for them"
        );
    });
}

#[test]
fn a_poller_never_cancels_the_service() {
    paused(|| async {
        let service = start(ms(10));
        service.pollers[0].cancel();
        assert!(
            !service.shutdown.is_cancelled(),
            "cancelling one poller's token cancelled `shutdown`: that token is `shutdown` \
             itself or a clone of it. Hint: shutdown.child_token()"
        );
    });
}

#[test]
fn each_token_stops_its_own_poller_and_no_other() {
    paused(|| async {
        // More keys than the demo, in no sorted order, so that tokens handed back in
        // any other order than `keys` (sorted, reversed, rotated) stop the wrong poller.
        let keys = ["mail", "jobs", "stats", "feed", "news", "alerts", "billing"];
        let db = SlowBackend::new("db", Latency::Fixed(ms(10)), &Narrator::quiet());
        let (shutdown, tracker) = (CancellationToken::new(), TaskTracker::new());
        let pollers = start_pollers(&db, &keys, &shutdown, &tracker);
        assert_eq!(
            pollers.len(),
            keys.len(),
            "return one token per key, in order"
        );
        // Stop the pollers one by one, in an order of their own.
        const STOP_ORDER: [usize; 7] = [3, 0, 5, 1, 6, 2, 4];
        for (step, &index) in STOP_ORDER.iter().enumerate() {
            let stopped = &STOP_ORDER[..=step];
            pollers[index].cancel();
            let_tasks_run().await;
            let before = keys.map(|key| db.started_for(key));
            tokio::time::sleep(ms(50)).await;
            let after = keys.map(|key| db.started_for(key));
            let calling: Vec<&str> = (0..keys.len())
                .filter(|&i| after[i] > before[i])
                .map(|i| keys[i])
                .collect();
            let expected: Vec<&str> = (0..keys.len())
                .filter(|i| !stopped.contains(i))
                .map(|i| keys[i])
                .collect();
            assert_eq!(
                calling,
                expected,
                "after cancelling the tokens returned for {:?}, the pollers still calling \
                 should be {expected:?}. The tokens must come back in the order of `keys`, \
                 each stopping its own poller and no other.",
                stopped.iter().map(|&i| keys[i]).collect::<Vec<_>>()
            );
        }
        assert!(
            !shutdown.is_cancelled(),
            "stopping pollers must never cancel `shutdown`"
        );
    });
}

#[test]
fn shutdown_stops_every_poller_on_many_threads() {
    threaded(|| async {
        // Real time, on several worker threads: twelve pollers, 200 ms calls.
        let names: Vec<String> = (0..12).map(|n| format!("key-{n}")).collect();
        let keys: Vec<&str> = names.iter().map(String::as_str).collect();
        let db = SlowBackend::new("db", Latency::Fixed(ms(200)), &Narrator::quiet());
        let (shutdown, tracker) = (CancellationToken::new(), TaskTracker::new());
        let _pollers = start_pollers(&db, &keys, &shutdown, &tracker);
        tokio::time::sleep(ms(20)).await;
        shutdown.cancel();
        tracker.close();
        within(
            ms(150),
            "waiting for 12 pollers on the multi-thread runtime after shutdown",
            "the pollers did not stop mid-call on the multi-thread runtime: race each call \
             against the token",
            tracker.wait(),
        )
        .await;
        assert_eq!(
            db.stats().in_flight,
            0,
            "every call in progress should have been dropped"
        );
    });
}

#[test]
fn shutdown_stops_every_poller_even_mid_call() {
    paused(|| async {
        // Each call takes a whole second: a poller that only checks its token between
        // calls would need up to a second to notice.
        let service = start(Duration::from_secs(1));
        tokio::time::sleep(ms(10)).await;
        service.shutdown.cancel();
        service.tracker.close();
        within(
            ms(20),
            "waiting for the pollers after shutdown",
            "the pollers did not stop in the middle of their call: a poller that checks its \
             token only between calls waits for the call first. Race the call against the \
             token (tokio::select! or token.run_until_cancelled).",
            service.tracker.wait(),
        )
        .await;
        let stats = service.db.stats();
        assert_eq!(
            (stats.cancelled, stats.in_flight),
            (KEYS.len(), 0),
            "each poller's call should have been dropped: {stats:?}"
        );
        assert!(
            service.pollers.iter().all(CancellationToken::is_cancelled),
            "the pollers stopped, but their tokens were not cancelled with `shutdown`: \
             each poller's token should be a child of `shutdown` (shutdown.child_token()), \
             so that the whole tree is cancelled together"
        );
    });
}

#[test]
fn nothing_is_left_after_shutdown() {
    paused(|| async {
        let gauge = TaskGauge::new();
        let service = start(ms(10));
        tokio::time::sleep(ms(30)).await;
        service.shutdown.cancel();
        service.tracker.close();
        within(
            Duration::from_secs(5),
            "tracker.wait()",
            "a poller never ended",
            service.tracker.wait(),
        )
        .await;
        assert_eq!(
            gauge.settle(ms(2)).await,
            0,
            "a task is still alive after shutdown"
        );
    });
}
