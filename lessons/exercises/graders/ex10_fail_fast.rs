//! Grader for exercise 10: `all_or_first_error` fails fast and leaves nothing running.
//!
//! Shared by the exercise, the solution and the known mistakes (see `ex01_fan_out.rs`).
//! Most tests run on paused time, where "10 ms" is exact and "later" is a jump of the
//! clock. Two run on the multi-thread runtime and the real clock, where the calls are
//! really on other threads than the caller and than each other.
//!
//! The classes of half-right answers, and where each is caught:
//! * right eventually, wrong now: the error must come back when the first call fails,
//!   not when the slowest call ends, nor once every call listed before it has answered
//!   (`fails_as_soon_as_one_call_fails`, `the_error_that_happens_first_wins`); and the
//!   other calls must be stopped then, not left to end by themselves
//!   (`no_call_is_running_when_it_returns`, `no_call_runs_on_after_the_error`,
//!   `no_task_outlives_the_error`);
//! * dropped by its caller: tasks aborted on the error path alone run on when the caller
//!   gives up first (`a_caller_that_gives_up_leaves_no_call_running`);
//! * many threads: an abort lands at a task's next `.await`, so a call in the middle of
//!   a poll on another worker runs on unless the function waits for it to be gone
//!   (`no_call_is_running_when_it_returns_on_many_threads`);
//! * the demo's sizes: no calls at all, and two hundred at once
//!   (`no_calls_answer_at_once`, `two_hundred_calls_run_at_once_and_answer_in_order`);
//! * a silent peer: a call that never answers must not hold the error back
//!   (`a_call_that_never_answers_does_not_hold_the_error_back`);
//! * the contract: answers in the order given, not the order they end in
//!   (`answers_in_the_order_given`); every call at once
//!   (`runs_every_call_at_once`); each on a task of its own
//!   (`each_call_runs_on_a_task_of_its_own`, `calls_that_compute_use_many_threads`);
//!   a panic goes on in the caller with its own payload, not as a new panic that
//!   quotes it, and stops the other calls as an error does
//!   (`a_panic_in_a_call_reaches_the_caller`, `a_panic_stops_the_other_calls_too`);
//!   the future is `Send` (checked when this file compiles).
//!
//! Not applicable: shutdown (nothing outlives the call), and races on shared state
//! (the calls share nothing but the backend, whose counters are atomic).

use std::any::Any;
use std::collections::HashSet;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::FutureExt;
use futures::future::BoxFuture;
use lessons::kit::grading::{let_tasks_run, paused, threaded, within};
use lessons::kit::{Latency, Narrator, SlowBackend, TaskGauge, ms};
use tokio::time::Instant;

use super::subject::all_or_first_error;

const KEYS: [&str; 4] = ["foo", "bar", "baz", "qux"];
const LIMIT: Duration = Duration::from_secs(5);
const STUCK: &str = "all_or_first_error never returned: is it waiting for every call \
                     after one has failed, or for a call that will never answer?";

/// The error of a failed call: the key it was for.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Failed(String);

/// The payload of a call's panic: a value of its own type, not text, so that only the
/// call's own panic, carried on as it was, matches it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Unparsable(String);

/// How a scripted call ends, once its backend call is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ends {
    Answers,
    Fails,
    Panics,
}

use Ends::{Answers, Fails, Panics};

/// A call as `all_or_first_error` takes it.
type Call<T> = BoxFuture<'static, Result<T, Failed>>;

/// A fan-out to one backend: each call's key, how long it takes, and how it ends.
struct Script {
    /// Counts the calls: started, finished, cancelled, in flight.
    backend: SlowBackend,
    /// Each call's key and the way it ends, in the order the calls are given.
    steps: Vec<(String, Ends)>,
}

impl Script {
    fn new<'a>(steps: impl IntoIterator<Item = (&'a str, Duration, Ends)>) -> Self {
        let steps: Vec<_> = steps.into_iter().collect();
        let latencies = steps.iter().map(|(key, latency, _)| (*key, *latency));
        let backend = SlowBackend::new("backend", Latency::per_key(latencies), &Narrator::quiet());
        let steps = steps
            .iter()
            .map(|(key, _, ends)| (key.to_string(), *ends))
            .collect();
        Script { backend, steps }
    }

    /// Fresh calls, in the script's order: each asks the backend for its key, then
    /// answers with the key, fails with it, or panics with it (an [`Unparsable`]).
    fn calls(&self) -> Vec<Call<String>> {
        self.steps
            .iter()
            .map(|(key, ends)| {
                let (backend, key, ends) = (self.backend.clone(), key.clone(), *ends);
                async move {
                    let answer = backend.call(&key).await;
                    match ends {
                        Answers => Ok(answer),
                        Fails => Err(Failed(key)),
                        Panics => std::panic::panic_any(Unparsable(key)),
                    }
                }
                .boxed()
            })
            .collect()
    }
}

/// foo, bar, baz and qux, done after 40, 10, 30 and 20 ms: the first given is the last
/// to end, so that the order they end in is not the order they are given in.
fn four_calls(ends: [Ends; 4]) -> Script {
    let latencies = [ms(40), ms(10), ms(30), ms(20)];
    Script::new((0..4).map(|n| (KEYS[n], latencies[n], ends[n])))
}

#[test]
fn answers_in_the_order_given() {
    paused(|| async {
        let script = four_calls([Answers; 4]);
        let answers = within(
            LIMIT,
            "all_or_first_error",
            STUCK,
            all_or_first_error(script.calls()),
        )
        .await;
        assert_eq!(
            answers,
            Ok(KEYS.map(String::from).to_vec()),
            "every call answered: expected every answer in the order the calls were given \
             (foo's first, though it ends last), not the order they ended in. Hint: carry \
             each call's place in the list with it, and put its answer there."
        );
    });
}

#[test]
fn runs_every_call_at_once() {
    paused(|| async {
        let script = four_calls([Answers; 4]);
        let started = Instant::now();
        let _ = within(
            LIMIT,
            "all_or_first_error",
            STUCK,
            all_or_first_error(script.calls()),
        )
        .await;
        let took = started.elapsed();
        let stats = script.backend.stats();
        assert!(
            took >= ms(40) && took < ms(45) && stats.peak_in_flight == 4,
            "took {} ms with at most {} calls running at once: all four should run at once \
             and take as long as the slowest (40 ms), not one after another (100 ms) nor a \
             few at a time. Start every call before waiting for any.",
            took.as_millis(),
            stats.peak_in_flight
        );
    });
}

#[test]
fn no_calls_answer_at_once() {
    paused(|| async {
        let started = Instant::now();
        let answers = within(
            LIMIT,
            "all_or_first_error with no calls",
            "with no calls it never returned: is it waiting for an answer that no call \
             will send?",
            all_or_first_error(Vec::<Call<String>>::new()),
        )
        .await;
        assert_eq!(
            answers,
            Ok(Vec::new()),
            "no calls means no answers and no error"
        );
        assert_eq!(
            started.elapsed(),
            Duration::ZERO,
            "with no calls there is nothing to wait for"
        );
    });
}

#[test]
fn two_hundred_calls_run_at_once_and_answer_in_order() {
    paused(|| async {
        // Latencies from 10 to 59 ms, shuffled: the order the calls end in is scrambled.
        let names: Vec<String> = (0..200).map(|n| format!("call-{n:03}")).collect();
        let script = Script::new(
            names
                .iter()
                .enumerate()
                .map(|(n, name)| (name.as_str(), ms(10 + (n as u64 * 37) % 50), Answers)),
        );
        let started = Instant::now();
        let answers = within(
            LIMIT,
            "all_or_first_error over 200 calls",
            "200 calls of at most 59 ms each took more than 5 s: all at once they take \
             59 ms; are they run a few at a time, or one after another?",
            all_or_first_error(script.calls()),
        )
        .await;
        let took = started.elapsed();
        assert_eq!(
            answers,
            Ok(names.clone()),
            "200 calls all answered: expected their answers in the order given"
        );
        assert!(
            took < ms(64),
            "200 calls of at most 59 ms took {} ms, at most {} at once: every call should \
             run at once, however many there are. A limit such as the number of cores suits \
             work that computes, not calls that wait.",
            took.as_millis(),
            script.backend.stats().peak_in_flight
        );
    });
}

#[test]
fn fails_as_soon_as_one_call_fails() {
    paused(|| async {
        let script = four_calls([Answers, Fails, Answers, Answers]);
        let started = Instant::now();
        let outcome = within(
            LIMIT,
            "all_or_first_error",
            STUCK,
            all_or_first_error(script.calls()),
        )
        .await;
        let took = started.elapsed();
        assert_eq!(
            outcome,
            Err(Failed("bar".into())),
            "bar fails: the outcome is bar's error"
        );
        assert!(
            took >= ms(10) && took < ms(15),
            "bar failed at 10 ms, and the error came back at {} ms: it waited for calls \
             whose answers no longer matter. Go's errgroup.WithContext answers early because \
             the first error cancels the context every call watches: Wait still waits for \
             all of them, but each returns at once. Hint: take the outcomes in the order the \
             calls end (JoinSet::join_next), not the order they were given, and at the first \
             error cancel the rest and wait for them (JoinSet::shutdown().await).",
            took.as_millis()
        );
    });
}

#[test]
fn the_error_that_happens_first_wins() {
    paused(|| async {
        // foo fails at 40 ms, baz at 30: baz's error is the first to happen.
        let script = four_calls([Fails, Answers, Fails, Answers]);
        let started = Instant::now();
        let outcome = within(
            LIMIT,
            "all_or_first_error",
            STUCK,
            all_or_first_error(script.calls()),
        )
        .await;
        assert_eq!(
            (outcome, started.elapsed()),
            (Err(Failed("baz".into())), ms(30)),
            "baz fails at 30 ms and foo at 40: the first error to happen is baz's, at 30 ms. \
             The error of the call given first is not the point; the moment is. Returning \
             foo's means waiting for foo, then the outcomes in the order given."
        );
    });
}

#[test]
fn a_call_that_never_answers_does_not_hold_the_error_back() {
    paused(|| async {
        // foo's peer never answers (an hour is for ever here); bar fails at 10 ms.
        let script = Script::new([
            ("foo", Duration::from_secs(3600), Answers),
            ("bar", ms(10), Fails),
        ]);
        let started = Instant::now();
        let outcome = within(
            LIMIT,
            "all_or_first_error with a silent call",
            "foo never answers, bar fails at 10 ms, and all_or_first_error never returned: \
             it waits for foo. The first error must come back without waiting for anyone.",
            all_or_first_error(script.calls()),
        )
        .await;
        let took = started.elapsed();
        assert_eq!(
            outcome,
            Err(Failed("bar".into())),
            "bar fails: the outcome is bar's error"
        );
        assert!(
            took < ms(15),
            "bar failed at 10 ms; the error came back at {} ms",
            took.as_millis()
        );
        let_tasks_run().await;
        let stats = script.backend.stats();
        assert_eq!(
            (stats.cancelled, stats.in_flight),
            (1, 0),
            "foo's call, which would never have answered, should be cancelled when bar \
             fails, not left waiting: {stats:?}"
        );
    });
}

#[test]
fn no_call_is_running_when_it_returns() {
    paused(|| async {
        let script = four_calls([Answers, Fails, Answers, Answers]);
        let _ = within(
            LIMIT,
            "all_or_first_error",
            STUCK,
            all_or_first_error(script.calls()),
        )
        .await;
        // Read at once, before the runtime gets a turn to run anything else.
        let at_return = script.backend.stats();
        assert_eq!(
            at_return.in_flight, 0,
            "when all_or_first_error returned bar's error, {} calls were still in flight. \
             Aborted or not, a call is running until its task has been dropped: an abort is \
             a request that lands when the runtime next runs the task, and a call in the \
             middle of a poll on another thread finishes that poll first. Abort the other \
             calls and wait until they are gone (JoinSet::shutdown) before returning. \
             {at_return:?}",
            at_return.in_flight
        );
    });
}

#[test]
fn no_call_runs_on_after_the_error() {
    paused(|| async {
        let script = four_calls([Answers, Fails, Answers, Answers]);
        let _ = within(
            LIMIT,
            "all_or_first_error",
            STUCK,
            all_or_first_error(script.calls()),
        )
        .await;
        let_tasks_run().await;
        let at_return = script.backend.stats();
        tokio::time::sleep(ms(100)).await;
        let later = script.backend.stats();
        assert!(
            at_return.in_flight == 0 && later.finished == at_return.finished,
            "after all_or_first_error returned bar's error, {} calls were still running and \
             {} finished later: work nobody will read, holding its connection all the while. \
             errgroup.WithContext cancels the context every call watches; a spawned task \
             needs an abort, and a dropped JoinHandle does not abort it (a JoinSet does).\n\
             at return: {at_return:?}\nlater: {later:?}",
            at_return.in_flight,
            later.finished - at_return.finished
        );
        assert_eq!(
            (later.finished, later.cancelled),
            (1, 3),
            "foo, baz and qux should be cancelled when bar fails at 10 ms, not run to their \
             end: {later:?}"
        );
    });
}

#[test]
fn no_task_outlives_the_error() {
    paused(|| async {
        let script = four_calls([Answers, Fails, Answers, Answers]);
        let gauge = TaskGauge::new();
        let _ = within(
            LIMIT,
            "all_or_first_error",
            STUCK,
            all_or_first_error(script.calls()),
        )
        .await;
        let left = gauge.settle(ms(2)).await;
        assert_eq!(
            left, 0,
            "{left} tasks were still alive after all_or_first_error returned bar's error. \
             A spawned task runs on when its JoinHandle is dropped; a JoinSet aborts every \
             task it still holds."
        );
    });
}

#[test]
fn a_caller_that_gives_up_leaves_no_call_running() {
    paused(|| async {
        let script = four_calls([Answers; 4]);
        let gauge = TaskGauge::new();
        // No call fails; the caller drops the future at 15 ms, as an outer timeout or a
        // client that hangs up would. bar has answered by then; the others have not.
        let dropped = tokio::time::timeout(ms(15), all_or_first_error(script.calls()))
            .await
            .is_err();
        assert!(
            dropped,
            "the slowest call takes 40 ms: it cannot be done at 15 ms"
        );
        let_tasks_run().await;
        tokio::time::sleep(ms(100)).await;
        let stats = script.backend.stats();
        assert_eq!(
            (stats.finished, stats.cancelled, stats.in_flight),
            (1, 3, 0),
            "all_or_first_error was dropped by its caller at 15 ms, and its calls went on: \
             aborting the tasks when a call fails covers one way out of the function, not a \
             caller that stops waiting, where no line of it runs again. Keep the tasks in \
             something that aborts them when dropped (a JoinSet). {stats:?}"
        );
        assert_eq!(
            gauge.settle(ms(2)).await,
            0,
            "a task outlived the caller that gave up"
        );
    });
}

#[test]
fn each_call_runs_on_a_task_of_its_own() {
    paused(|| async {
        // Each call answers with the id of the task it runs on; the test itself is not
        // a task, so a call run inside the caller's future has none.
        let calls: Vec<Call<Option<tokio::task::Id>>> = (0..4)
            .map(|_| {
                async {
                    tokio::time::sleep(ms(10)).await;
                    Ok(tokio::task::try_id())
                }
                .boxed()
            })
            .collect();
        let ids = within(
            LIMIT,
            "all_or_first_error",
            STUCK,
            all_or_first_error(calls),
        )
        .await
        .expect("no call fails");
        let tasks: HashSet<_> = ids.iter().flatten().collect();
        assert!(
            ids.iter().all(Option::is_some) && tasks.len() == ids.len(),
            "4 calls ran on {} tasks of their own ({} ran inside the caller's future): each \
             should be spawned, so that calls which compute run on all of the runtime's \
             threads instead of taking turns on the caller's.",
            tasks.len(),
            ids.iter().filter(|id| id.is_none()).count()
        );
    });
}

#[test]
fn calls_that_compute_use_many_threads() {
    threaded(|| async {
        // Each call holds its thread for 50 ms with no `.await`, as parsing or hashing
        // would: four on one thread take 200 ms, four on four threads take 50.
        let calls: Vec<Call<usize>> = (0..4)
            .map(|n| {
                async move {
                    std::thread::sleep(ms(50));
                    Ok(n)
                }
                .boxed()
            })
            .collect();
        let started = Instant::now();
        let answers = within(
            LIMIT,
            "all_or_first_error",
            STUCK,
            all_or_first_error(calls),
        )
        .await;
        let took = started.elapsed();
        assert_eq!(
            answers,
            Ok(vec![0, 1, 2, 3]),
            "every call answered, in order"
        );
        assert!(
            took < ms(150),
            "four calls that compute for 50 ms each took {} ms on a runtime of {} threads: \
             they took turns on one thread. Spawned, each runs on a worker of its own.",
            took.as_millis(),
            lessons::kit::grading::THREADS
        );
    });
}

/// Counts a call from its first poll until it is dropped, finished or not.
struct Running(Arc<AtomicUsize>);

impl Running {
    fn start(count: &Arc<AtomicUsize>) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Running(Arc::clone(count))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

#[test]
fn no_call_is_running_when_it_returns_on_many_threads() {
    threaded(|| async {
        let script = Script::new([
            ("foo", ms(20), Fails),
            ("baz", ms(300), Answers),
            ("qux", ms(300), Answers),
        ]);
        let computing = Arc::new(AtomicUsize::new(0));
        let mut calls = script.calls();
        // bar computes for 100 ms with no `.await`: when foo fails at 20 ms, bar is in
        // the middle of a poll on another worker, where no abort reaches it before the
        // poll ends.
        let bar = {
            let computing = Arc::clone(&computing);
            async move {
                let _running = Running::start(&computing);
                std::thread::sleep(ms(100));
                // The first point where an abort can land.
                tokio::task::yield_now().await;
                Ok("bar".to_owned())
            }
            .boxed()
        };
        calls.insert(1, bar);
        let started = Instant::now();
        let outcome = within(
            LIMIT,
            "all_or_first_error",
            STUCK,
            all_or_first_error(calls),
        )
        .await;
        let returned_at = started.elapsed();
        let (bar_running, at_return) = (computing.load(Ordering::SeqCst), script.backend.stats());
        assert_eq!(outcome, Err(Failed("foo".into())), "foo fails, first");
        let bar_note = if bar_running > 0 {
            " (bar among them, still computing on another worker thread)"
        } else {
            ""
        };
        assert!(
            bar_running == 0 && at_return.in_flight == 0,
            "all_or_first_error returned foo's error at {} ms while {} calls were still \
             running{bar_note}. On many threads an abort is a request the task sees at its \
             next `.await`; until then the call runs on, after its caller has moved on. Abort \
             the other calls, then wait until they are gone (JoinSet::shutdown) before \
             returning. {at_return:?}",
            returned_at.as_millis(),
            bar_running + at_return.in_flight
        );
        tokio::time::sleep(ms(400)).await;
        let later = script.backend.stats();
        assert_eq!(
            (later.finished, later.cancelled, later.in_flight),
            (1, 2, 0),
            "baz and qux (300 ms) should be cancelled on their worker threads when foo fails \
             at 20 ms: {later:?}"
        );
    });
}

/// The text a panic carried, if it carried text.
fn panic_text(payload: &(dyn Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
}

/// What a panic carried, for the messages.
fn describe_panic(payload: &(dyn Any + Send)) -> String {
    match (payload.downcast_ref::<Unparsable>(), panic_text(payload)) {
        (Some(unparsable), _) => format!("{unparsable:?}"),
        (None, Some(text)) => format!("the text {text:?}"),
        (None, None) => "a payload of some other type".to_owned(),
    }
}

/// A panic caught from `all_or_first_error`, unless it is the exercise's `todo!()`:
/// that one fails the test as it is, so that an exercise not started says so.
fn unless_todo(payload: Box<dyn Any + Send>) -> Box<dyn Any + Send> {
    if panic_text(&*payload).is_some_and(|text| text.starts_with("not yet implemented")) {
        std::panic::resume_unwind(payload);
    }
    payload
}

#[test]
fn a_panic_in_a_call_reaches_the_caller() {
    paused(|| async {
        let script = four_calls([Answers, Panics, Answers, Answers]);
        let outcome = within(
            LIMIT,
            "all_or_first_error",
            STUCK,
            AssertUnwindSafe(all_or_first_error(script.calls())).catch_unwind(),
        )
        .await;
        let payload = match outcome {
            Err(payload) => unless_todo(payload),
            Ok(returned) => panic!(
                "bar's call panicked at 10 ms, and all_or_first_error returned {returned:?}: a \
                 panic is a failure, and an answer with bar's missing is a wrong one. When \
                 join_next gives a JoinError, stop the other calls and carry the panic on in \
                 the caller (std::panic::resume_unwind)."
            ),
        };
        assert!(
            payload.downcast_ref::<Unparsable>() == Some(&Unparsable("bar".into())),
            "bar's call panicked with a value of its own (Unparsable(\"bar\"), raised with \
             std::panic::panic_any, which the panic report above shows as Box<dyn Any>), \
             and the caller's panic carried {} instead. A new panic in place of the call's \
             (panic!(\"{{join_error}}\"), .expect() on the JoinError) may quote its \
             message, but the payload itself is gone: a caller or a panic handler that \
             looks for it finds a string, and a payload that is not text is lost entirely. \
             Carry the call's own panic on, as it was: JoinError::try_into_panic gives its \
             payload, and std::panic::resume_unwind raises it in the caller.",
            describe_panic(&*payload)
        );
    });
}

#[test]
fn a_panic_stops_the_other_calls_too() {
    paused(|| async {
        let script = four_calls([Answers, Panics, Answers, Answers]);
        let started = Instant::now();
        let outcome = within(
            LIMIT,
            "all_or_first_error",
            STUCK,
            AssertUnwindSafe(all_or_first_error(script.calls())).catch_unwind(),
        )
        .await;
        let took = started.elapsed();
        // Read at once, before the runtime gets a turn to run anything else.
        let at_panic = script.backend.stats();
        let panicked = outcome.map_err(unless_todo).is_err();
        assert!(
            panicked,
            "bar's call panics: all_or_first_error should panic too (see \
             a_panic_in_a_call_reaches_the_caller)"
        );
        assert!(
            took < ms(15),
            "bar's call panicked at 10 ms, and the panic reached the caller at {} ms: it \
             waited for the other calls. A panic is a failure like an error: stop the others, \
             then carry it on at once.",
            took.as_millis()
        );
        assert_eq!(
            at_panic.in_flight, 0,
            "when bar's panic reached the caller, {} calls were still in flight: stop the \
             others and wait until they are gone (JoinSet::shutdown) before carrying the \
             panic on, as after an error. Unwinding drops the set, which aborts them, but \
             does not wait for them. {at_panic:?}",
            at_panic.in_flight
        );
        let_tasks_run().await;
        tokio::time::sleep(ms(100)).await;
        let stats = script.backend.stats();
        assert_eq!(
            (stats.finished, stats.cancelled, stats.in_flight),
            (1, 3, 0),
            "after bar's panic, foo, baz and qux should be cancelled, as after an error: \
             {stats:?}"
        );
    });
}

/// A handler's future must be `Send`: axum and tokio move it between threads.
#[allow(dead_code)] // only compiled, never run: the check is the compiler's
fn all_or_first_error_must_be_send_because_handlers_run_on_any_thread() {
    fn send<T: Send>(_: T) {}
    send(all_or_first_error(Vec::<Call<String>>::new()));
}
