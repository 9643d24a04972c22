//! Grader for exercise 08: the eight properties of a singleflight group, one test (or
//! two) each, named after the property.
//!
//! Shared by the exercise, the solution and the known mistakes (see `ex01_fan_out.rs`).
//! Time is paused: "the work takes 100 ms" is exact, and a caller that would wait for
//! ever fails at once. Two tests run on the multi-thread runtime instead
//! (`property_11_one_execution_at_a_time_on_many_threads`,
//! `property_11_no_wake_up_is_lost_on_many_threads`): races between threads (a check
//! and an insert under two locks, a wake-up lost between looking at the result and
//! registering for it, a result published before the entry leaves the map) never show
//! on one thread.
//!
//! The classes of half-right answers, and where each is caught:
//! * many threads: property 11, two tests of many rounds on one hot key within a time
//!   budget;
//! * dropped by its caller: properties 2 and 3 (the first caller, or every caller,
//!   leaves);
//! * the demo's sizes: a hundred keys at once, each with its own value
//!   (`many_keys_fly_at_once_each_with_its_own_value`);
//! * the contract: the group is shared by handlers on every thread, so it must be
//!   `Send + Sync` (checked when this file compiles); the work is not cancelled with
//!   its first caller;
//! * right eventually, wrong now: no caller waits a moment longer than the flight.
//!
//! Not applicable: shutdown (the group has no background work of its own beyond a
//! flight's), slow peers (no socket).

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::future::join_all;
use lessons::kit::grading::{let_tasks_run, paused, threaded, within};
use lessons::kit::{InFlight, TaskGauge, ms};

use super::subject::{FlightError, Group, Outcome};

type TestGroup = Group<&'static str, String, String>;

const HANG: &str = "a caller waited for ever: every way a flight can end (a value, an \
                    error, a panic, its first caller leaving) must end every wait";
const LIMIT: Duration = Duration::from_secs(10);

/// Handlers on every worker thread share one group.
#[allow(dead_code)] // only compiled, never run: the check is the compiler's
fn the_group_must_be_send_and_sync_because_every_handler_thread_shares_it() {
    fn shared_by_threads<T: Send + Sync + Clone>() {}
    shared_by_threads::<TestGroup>();
}

/// Counts how often the work really ran, and how many ran at once.
#[derive(Clone, Default)]
struct Executions {
    started: Arc<AtomicUsize>,
    running: InFlight,
}

impl Executions {
    /// Work that takes `takes`, then yields `value`.
    fn work(
        &self,
        takes: Duration,
        value: &str,
    ) -> impl Future<Output = Result<String, String>> + Send + 'static {
        let (started, running, value) =
            (self.started.clone(), self.running.clone(), value.to_owned());
        async move {
            started.fetch_add(1, Ordering::SeqCst);
            let _running = running.enter();
            tokio::time::sleep(takes).await;
            Ok(value)
        }
    }

    fn started(&self) -> usize {
        self.started.load(Ordering::SeqCst)
    }
}

/// `n` callers of `key`, each joining 1 ms after the previous.
async fn callers(
    group: &TestGroup,
    executions: &Executions,
    n: usize,
    takes: Duration,
) -> Vec<Outcome<String, String>> {
    let calls = (0..n).map(|i| {
        let (group, work) = (group.clone(), executions.work(takes, "value"));
        async move {
            tokio::time::sleep(ms(i as u64)).await;
            group.run("key", work).await
        }
    });
    within(LIMIT, "10 callers of one key", HANG, join_all(calls)).await
}

#[test]
fn property_1_at_most_one_execution_per_key_at_a_time() {
    paused(|| async {
        let (group, executions) = (TestGroup::new(), Executions::default());
        let outcomes = callers(&group, &executions, 10, ms(100)).await;
        assert!(
            outcomes.iter().all(|o| o.result == Ok("value".to_owned())),
            "{outcomes:?}"
        );
        assert_eq!(
            executions.started(),
            1,
            "10 callers within 10 ms of a 100 ms flight: one execution"
        );
        assert_eq!(executions.running.peak(), 1);
    });
}

#[test]
fn property_1_a_finishing_flight_never_removes_a_newer_one() {
    paused(|| async {
        let (group, executions) = (TestGroup::new(), Executions::default());
        // An old flight, forgotten; a new one for the same key; the old one lands first.
        let old = tokio::spawn({
            let (group, work) = (group.clone(), executions.work(ms(50), "old"));
            async move { group.run("key", work).await }
        });
        let_tasks_run().await;
        group.forget(&"key");
        let new = tokio::spawn({
            let (group, work) = (group.clone(), executions.work(ms(200), "new"));
            async move { group.run("key", work).await }
        });
        tokio::time::sleep(ms(100)).await; // the old flight has landed, the new one runs on
        let late = within(
            LIMIT,
            "a caller joining the new flight",
            HANG,
            group.run("key", executions.work(ms(200), "third")),
        )
        .await;
        assert_eq!(
            (late.result, executions.started()),
            (Ok("new".to_owned()), 2),
            "a caller arriving while the new flight runs must join it. If a third execution \
             started, the old flight, landing, removed the new flight's entry: remove an \
             entry only if it is still the same flight (give each flight an id)"
        );
        let _ = (old.await, new.await);
    });
}

#[test]
fn property_2_no_waiter_hangs_when_the_work_fails() {
    paused(|| async {
        let group = TestGroup::new();
        let calls = (0..3).map(|_| {
            group.run("key", async {
                tokio::time::sleep(ms(10)).await;
                Err::<String, _>("boom".to_owned())
            })
        });
        let outcomes = within(LIMIT, "3 callers of failing work", HANG, join_all(calls)).await;
        for outcome in outcomes {
            assert_eq!(outcome.result, Err(FlightError::Failed("boom".to_owned())));
            assert!(outcome.shared, "the error went to 3 callers: shared");
        }
    });
}

#[test]
fn property_2_and_3_waiters_get_the_value_when_the_first_caller_leaves() {
    paused(|| async {
        let (group, executions) = (TestGroup::new(), Executions::default());
        let first = group.run("key", executions.work(ms(100), "value"));
        // The first caller gives up after 10 ms: its future is dropped.
        assert!(tokio::time::timeout(ms(10), first).await.is_err());
        let waiter = within(
            LIMIT,
            "a caller joining after the first left",
            HANG,
            group.run("key", executions.work(ms(100), "second")),
        )
        .await;
        assert_eq!(
            waiter.result,
            Ok("value".to_owned()),
            "the first caller leaving must not cancel the work the others wait for: run it in \
             a task of its own (Go's context.WithoutCancel). Got {:?}",
            waiter.result
        );
        assert_eq!(executions.started(), 1, "and it must not be started again");
    });
}

#[test]
fn property_3_the_work_finishes_even_when_every_caller_left() {
    paused(|| async {
        let (group, executions) = (TestGroup::new(), Executions::default());
        let caller = group.run("key", executions.work(ms(100), "value"));
        assert!(tokio::time::timeout(ms(10), caller).await.is_err());
        tokio::time::sleep(ms(200)).await;
        assert_eq!(
            executions.running.now(),
            0,
            "the work should have run to its end"
        );
        assert_eq!(group.in_flight(), 0, "and its entry should be gone");
    });
}

#[test]
fn property_3_a_waiter_leaving_costs_nothing() {
    paused(|| async {
        let (group, executions) = (TestGroup::new(), Executions::default());
        let gauge = TaskGauge::new();
        let leaving = group.run("key", executions.work(ms(100), "value"));
        let staying = group.clone();
        let staying =
            tokio::spawn(
                async move { staying.run("key", async { Ok("unused".to_owned()) }).await },
            );
        assert!(tokio::time::timeout(ms(10), leaving).await.is_err());
        let outcome = within(LIMIT, "the caller who stayed", HANG, staying)
            .await
            .expect("no panic");
        assert_eq!(outcome.result, Ok("value".to_owned()));
        assert_eq!(
            gauge.settle(ms(5)).await,
            0,
            "nothing is left running once the flight has landed"
        );
    });
}

#[test]
fn property_4_a_panic_reaches_every_waiter_and_is_not_rerun() {
    paused(|| async {
        let group = TestGroup::new();
        let runs = Arc::new(AtomicUsize::new(0));
        let calls = (0..5).map(|_| {
            let runs = runs.clone();
            group.run("key", async move {
                runs.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(ms(10)).await;
                panic!("the work broke");
                #[allow(unreachable_code)] // the type the group expects
                Ok::<String, String>(String::new())
            })
        });
        let outcomes = within(
            LIMIT,
            "5 callers of work that panics",
            HANG,
            join_all(calls),
        )
        .await;
        for outcome in outcomes {
            assert_eq!(
                outcome.result,
                Err(FlightError::Panicked("the work broke".to_owned())),
                "a panic in the work must reach every caller as Panicked(message): catch it \
                 (futures::FutureExt::catch_unwind) in the flight's task"
            );
        }
        assert_eq!(
            runs.load(Ordering::SeqCst),
            1,
            "work that panicked must not be run again"
        );
    });
}

#[test]
fn property_5_shared_tells_whether_the_result_went_to_several_callers() {
    paused(|| async {
        let (group, executions) = (TestGroup::new(), Executions::default());
        let alone = within(
            LIMIT,
            "a lone caller",
            HANG,
            group.run("alone", executions.work(ms(10), "value")),
        )
        .await;
        assert!(!alone.shared, "one caller, not shared");
        let together = callers(&group, &executions, 3, ms(100)).await;
        assert!(
            together.iter().all(|o| o.shared),
            "3 callers of one flight: all shared"
        );
    });
}

#[test]
fn property_6_forget_starts_a_new_flight_and_old_waiters_keep_theirs() {
    paused(|| async {
        let (group, executions) = (TestGroup::new(), Executions::default());
        let old_waiter = tokio::spawn({
            let (group, work) = (group.clone(), executions.work(ms(100), "old"));
            async move { group.run("key", work).await }
        });
        let_tasks_run().await;
        assert!(group.forget(&"key"), "there was a flight to forget");
        let fresh = within(
            LIMIT,
            "a caller after forget",
            HANG,
            group.run("key", executions.work(ms(10), "new")),
        )
        .await;
        let old = within(LIMIT, "the old flight's caller", HANG, old_waiter)
            .await
            .expect("no panic");
        assert_eq!(
            fresh.result,
            Ok("new".to_owned()),
            "after forget, the next call starts a new flight"
        );
        assert_eq!(
            old.result,
            Ok("old".to_owned()),
            "the old flight's callers still get its result"
        );
        assert!(!group.forget(&"key"), "nothing left to forget");
    });
}

#[test]
fn property_7_the_map_is_empty_after_every_kind_of_ending() {
    paused(|| async {
        let group = TestGroup::new();
        let _ = group.run("ok", async { Ok("v".to_owned()) }).await;
        let _ = group.run("err", async { Err("e".to_owned()) }).await;
        let _ = group
            .run("panic", async {
                panic!("broke");
                #[allow(unreachable_code)] // the type the group expects
                Ok::<String, String>(String::new())
            })
            .await;
        let cancelled = group.run("cancelled", async {
            tokio::time::sleep(ms(50)).await;
            Ok("late".to_owned())
        });
        let _ = tokio::time::timeout(ms(10), cancelled).await;
        assert_eq!(
            group.in_flight(),
            1,
            "the \"cancelled\" flight is still under way (its work takes 50 ms, its caller left \
             at 10 ms): in_flight() should count it"
        );
        tokio::time::sleep(ms(100)).await;
        assert_eq!(
            group.in_flight(),
            0,
            "every flight has ended: the map must be empty"
        );
    });
}

#[test]
fn property_8_different_keys_never_wait_on_each_other() {
    paused(|| async {
        let group = TestGroup::new();
        let stuck = group.clone();
        let _stuck = tokio::spawn(async move { stuck.run("stuck", std::future::pending()).await });
        let_tasks_run().await;
        let other = within(
            LIMIT,
            "a call for another key while one key's work never ends",
            "a call for one key waited on another key's work: is a lock held across an \
             `.await`? Hold the map's lock only to look up or insert, never while waiting.",
            group.run("other", async { Ok("fine".to_owned()) }),
        )
        .await;
        assert_eq!(other.result, Ok("fine".to_owned()));
    });
}

#[test]
fn many_keys_fly_at_once_each_with_its_own_value() {
    paused(|| async {
        let (group, executions) = (TestGroup::new(), Executions::default());
        let names: Vec<&'static str> = (0..100)
            .map(|n| &*Box::leak(format!("key-{n}").into_boxed_str()))
            .collect();
        // Three callers per key, all at once.
        let three_each = names.iter().flat_map(|&key| [key; 3]);
        let calls = three_each.map(|key| {
            let (group, work) = (group.clone(), executions.work(ms(50), key));
            async move { (key, group.run(key, work).await) }
        });
        let outcomes = within(LIMIT, "300 callers of 100 keys", HANG, join_all(calls)).await;
        for (key, outcome) in &outcomes {
            assert_eq!(
                outcome.result,
                Ok((*key).to_owned()),
                "each key's callers get that key's value"
            );
        }
        assert_eq!(
            executions.started(),
            100,
            "100 keys, 3 callers each: one execution per key"
        );
        assert_eq!(
            group.in_flight(),
            0,
            "every flight has landed: the map is empty"
        );
    });
}

/// Callers of one hot key on every worker thread, each calling again as soon as it is
/// answered, for `budget` of real time or until `enough` calls were answered, while
/// flights start and land without a pause.
/// The work takes `yields` turns of the scheduler. Fails with a lesson when a caller is
/// not answered within `patience`, or is answered with anything but the value;
/// returns how many calls were answered and how many works ran at once at most.
async fn hot_key_churn(
    callers: usize,
    yields: usize,
    (budget, enough): (Duration, usize),
    patience: Duration,
) -> (usize, usize) {
    let group = TestGroup::new();
    let running = InFlight::default();
    let deadline = std::time::Instant::now() + budget;
    let answered = Arc::new(AtomicUsize::new(0));
    let callers: Vec<_> = (0..callers)
        .map(|_| {
            let (group, running, answered) = (group.clone(), running.clone(), answered.clone());
            tokio::spawn(async move {
                let mut calls = 0;
                while std::time::Instant::now() < deadline
                    && answered.load(Ordering::Relaxed) < enough
                {
                    let running = running.clone();
                    let work = async move {
                        let _running = running.enter();
                        for _ in 0..yields {
                            tokio::task::yield_now().await;
                        }
                        Ok::<_, String>("value".to_owned())
                    };
                    let Ok(outcome) = tokio::time::timeout(patience, group.run("hot", work)).await
                    else {
                        return Err(format!(
                            "a caller waited over {patience:?} for a flight whose work takes \
                             microseconds, after {calls} calls: a wake-up was lost. Register \
                             for the wake-up (Notify::notified, then enable()) before looking \
                             at the result, never after."
                        ));
                    };
                    if outcome.result != Ok("value".to_owned()) {
                        return Err(format!(
                            "the work always succeeds, yet a caller got {:?}: a caller joined \
                             a flight that had already published its result and gone. Take \
                             the entry out of the map before publishing.",
                            outcome.result
                        ));
                    }
                    calls += 1;
                    answered.fetch_add(1, Ordering::Relaxed);
                }
                Ok(calls)
            })
        })
        .collect();
    let mut calls = 0;
    for caller in callers {
        match caller.await.expect("no caller panics") {
            Ok(made) => calls += made,
            Err(problem) => panic!("{problem}"),
        }
    }
    assert!(calls > 0, "no call finished within the budget");
    assert_eq!(
        group.in_flight(),
        0,
        "every flight has landed: the map is empty"
    );
    (calls, running.peak())
}

#[test]
fn property_11_one_execution_at_a_time_on_many_threads() {
    threaded(|| async {
        // Measured against a racy answer (the result looked at before registering for
        // the wake-up, lessons/mistakes/src/ex08/lost_wake_up.rs), on 2 cores: it misses
        // a wake-up once in somewhere between 20,000 and 800,000 calls, fewer the busier
        // the machine. 800,000 calls (about 4.5 s) caught it 20 runs of 20 on a quiet
        // machine, but let it pass once in CI beside two builds; 2,000,000 calls, with
        // the time to make them on a busy machine, are what the grader spends here.
        let (calls, peak) = hot_key_churn(
            16,
            4,
            (Duration::from_millis(1_500), usize::MAX),
            Duration::from_secs(2),
        )
        .await;
        assert_eq!(
            peak,
            1,
            "on {} worker threads, {calls} calls of one key ran the work {peak} times at \
             once: two callers both found no flight and both started one. The look-up and \
             the insert must happen under one lock, in one critical section.",
            lessons::kit::grading::THREADS,
        );
    });
}

#[test]
fn property_11_no_wake_up_is_lost_on_many_threads() {
    threaded(|| async {
        // Work that is done at its first poll lands as often as it can, so that a caller
        // looking at the result is as often as can be caught in the instant it lands.
        // The test ends after a number of calls, not a time: on a busy machine fewer
        // calls fit in a second, and each call is one more chance to catch the race.
        // Measured against a racy answer (the result looked at before registering for
        // the wake-up, lessons/mistakes/src/ex08/lost_wake_up.rs): it misses the wake-up
        // about once in 140,000 calls here (2 cores); with a 3 s budget (575,000 calls)
        // it failed 40 runs of 40, but passed once beside a load test; with 800,000
        // calls (about 4.5 s), 20 runs of 20, and 10 of 10 with two busy loops beside it.
        let (calls, peak) = hot_key_churn(
            6,
            0,
            (Duration::from_secs(40), 2_000_000),
            Duration::from_secs(1),
        )
        .await;
        assert_eq!(
            peak, 1,
            "{calls} calls of one key ran the work {peak} times at once"
        );
    });
}
