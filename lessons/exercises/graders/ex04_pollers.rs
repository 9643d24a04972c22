//! Grader for exercise 04: pollers that stop alone, together, and at once.
//!
//! Shared by the exercise and the solution (see `ex01_fan_out.rs`). Time is paused,
//! so "100 ms of polling" is exact and repeatable.

use std::time::Duration;

use lessons::kit::grading::{let_tasks_run, paused, within};
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
fn stopping_one_poller_leaves_the_others_running() {
    paused(|| async {
        let service = start(ms(10));
        tokio::time::sleep(ms(25)).await;
        // The middle one, so that an answer whose tokens are out of order shows.
        service.pollers[1].cancel();
        let_tasks_run().await;
        assert_eq!(
            service.tracker.len(),
            KEYS.len() - 1,
            "after cancelling one poller's token, exactly one poller should be gone"
        );
        let before = KEYS.map(|key| service.db.started_for(key));
        tokio::time::sleep(ms(100)).await;
        let calls = KEYS.map(|key| service.db.started_for(key));
        let made = [0, 1, 2].map(|i| calls[i] - before[i]);
        assert!(
            made[1] == 0 && made[0] >= 9 && made[2] >= 9,
            "cancelling the token returned for \"mail\" (the second key) should stop the \
             \"mail\" poller and no other. In the next 100 ms the pollers made {made:?} calls \
             for {KEYS:?}; expected [about 10, 0, about 10]. Are the tokens returned in the \
             order of `keys`?"
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
