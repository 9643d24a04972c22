//! Plausible wrong answers to the exercises, one module each.
//!
//! A grader that only fails on `todo!()` proves little: learners hand in answers
//! that are half right. Each module here is one such answer, and each test target
//! runs the exercise's real grader against it. Every one of them must fail: CI
//! checks that with `cargo grade --expect-caught`. Not a default member, so the
//! maintainer suite stays green. Where a mistake is in one part of an exercise, the
//! other parts are the reference solution's.

/// Exercise 01, awaited one after another: right answers, the sum of the latencies.
pub mod ex01_sequential {
    use lessons::kit::SlowBackend;

    pub async fn fetch_all(backend: &SlowBackend, keys: &[&str]) -> Vec<String> {
        let mut answers = Vec::new();
        for key in keys {
            answers.push(backend.call(key).await);
        }
        answers
    }
}

/// Exercise 01, Go style: spawned calls and a channel: fast, but in the order the
/// calls finish.
pub mod ex01_completion_order {
    use lessons::kit::SlowBackend;
    use tokio::sync::mpsc;

    pub async fn fetch_all(backend: &SlowBackend, keys: &[&str]) -> Vec<String> {
        let (answers_tx, mut answers_rx) = mpsc::channel(keys.len().max(1));
        for key in keys {
            let (backend, key, answers_tx) = (backend.clone(), key.to_string(), answers_tx.clone());
            tokio::spawn(async move { answers_tx.send(backend.call(&key).await).await });
        }
        drop(answers_tx);
        let mut answers = Vec::new();
        while let Some(answer) = answers_rx.recv().await {
            answers.push(answer);
        }
        answers
    }
}

/// Exercise 02, lesson 02's bug: spawned calls, a timeout on collecting them. Answers
/// on time; the calls run on.
pub mod ex02_spawned_then_timed_out {
    use std::time::Duration;

    use lessons::kit::SlowBackend;

    pub use super::TimedOut;

    pub async fn fetch_all_within(
        backend: &SlowBackend,
        keys: &[&str],
        limit: Duration,
    ) -> Result<Vec<String>, TimedOut> {
        let handles: Vec<_> = keys
            .iter()
            .map(|key| {
                let (backend, key) = (backend.clone(), key.to_string());
                tokio::spawn(async move { backend.call(&key).await })
            })
            .collect();
        let all = async {
            let mut answers = Vec::new();
            for handle in handles {
                answers.extend(handle.await.ok());
            }
            answers
        };
        tokio::time::timeout(limit, all).await.map_err(|_| TimedOut)
    }
}

/// Exercise 02, a timeout per call: each call is bounded, the whole is not.
pub mod ex02_timeout_per_call {
    use std::time::Duration;

    use lessons::kit::SlowBackend;

    pub use super::TimedOut;

    pub async fn fetch_all_within(
        backend: &SlowBackend,
        keys: &[&str],
        limit: Duration,
    ) -> Result<Vec<String>, TimedOut> {
        let mut answers = Vec::new();
        for key in keys {
            let answer = tokio::time::timeout(limit, backend.call(key)).await;
            answers.push(answer.map_err(|_| TimedOut)?);
        }
        Ok(answers)
    }
}

/// Exercise 03, `tokio::spawn` alone: dropping the JoinHandle detaches the task.
pub mod ex03_plain_spawn {
    use std::future::Future;

    use tokio::task::JoinError;

    pub async fn run_in_task<F>(work: F) -> Result<F::Output, JoinError>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        tokio::spawn(work).await
    }
}

/// Exercise 03, no task at all: cancels fine, but the work never leaves the caller.
pub mod ex03_no_spawn {
    use std::future::Future;

    use tokio::task::JoinError;

    pub async fn run_in_task<F>(work: F) -> Result<F::Output, JoinError>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Ok(work.await)
    }
}

/// Exercise 04, every poller given `shutdown` itself: stopping one stops the service.
pub mod ex04_shared_token {
    use lessons::kit::SlowBackend;
    use tokio_util::sync::CancellationToken;
    use tokio_util::task::TaskTracker;

    pub fn start_pollers(
        db: &SlowBackend,
        keys: &[&str],
        shutdown: &CancellationToken,
        tracker: &TaskTracker,
    ) -> Vec<CancellationToken> {
        super::spawn_pollers(db, keys, tracker, |_| shutdown.clone(), true)
    }
}

/// Exercise 04, a fresh root token per poller, each poller also watching `shutdown`:
/// the pollers stop, but the tokens handed out are not part of the service's tree.
pub mod ex04_unrelated_tokens {
    use lessons::kit::SlowBackend;
    use tokio_util::sync::CancellationToken;
    use tokio_util::task::TaskTracker;

    pub fn start_pollers(
        db: &SlowBackend,
        keys: &[&str],
        shutdown: &CancellationToken,
        tracker: &TaskTracker,
    ) -> Vec<CancellationToken> {
        keys.iter()
            .map(|key| {
                let stop = CancellationToken::new();
                let (db, key, poller_stop, shutdown) =
                    (db.clone(), key.to_string(), stop.clone(), shutdown.clone());
                tracker.spawn(async move {
                    loop {
                        tokio::select! {
                            () = poller_stop.cancelled() => break,
                            () = shutdown.cancelled() => break,
                            _ = db.call(&key) => {}
                        }
                    }
                });
                stop
            })
            .collect()
    }
}

/// Exercise 04, tokens returned in another order than the keys.
pub mod ex04_tokens_out_of_order {
    use lessons::kit::SlowBackend;
    use tokio_util::sync::CancellationToken;
    use tokio_util::task::TaskTracker;

    pub fn start_pollers(
        db: &SlowBackend,
        keys: &[&str],
        shutdown: &CancellationToken,
        tracker: &TaskTracker,
    ) -> Vec<CancellationToken> {
        let mut tokens = super::spawn_pollers(db, keys, tracker, |_| shutdown.child_token(), true);
        tokens.rotate_left(1);
        tokens
    }
}

/// Exercise 04, a `select!` with no `break`: once cancelled, `cancelled()` is ready at
/// every turn and the loop spins without ever yielding. The grader must still end.
pub mod ex04_spins_after_cancel {
    use lessons::kit::SlowBackend;
    use tokio_util::sync::CancellationToken;
    use tokio_util::task::TaskTracker;

    pub fn start_pollers(
        db: &SlowBackend,
        keys: &[&str],
        shutdown: &CancellationToken,
        tracker: &TaskTracker,
    ) -> Vec<CancellationToken> {
        keys.iter()
            .map(|key| {
                let stop = shutdown.child_token();
                let (db, key, poller_stop) = (db.clone(), key.to_string(), stop.clone());
                tracker.spawn(async move {
                    loop {
                        tokio::select! {
                            () = poller_stop.cancelled() => {}
                            _ = db.call(&key) => {}
                        }
                    }
                });
                stop
            })
            .collect()
    }
}

/// Exercise 04, the token checked only between calls: stops, but a call late.
pub mod ex04_checks_between_calls {
    use lessons::kit::SlowBackend;
    use tokio_util::sync::CancellationToken;
    use tokio_util::task::TaskTracker;

    pub fn start_pollers(
        db: &SlowBackend,
        keys: &[&str],
        shutdown: &CancellationToken,
        tracker: &TaskTracker,
    ) -> Vec<CancellationToken> {
        super::spawn_pollers(db, keys, tracker, |_| shutdown.child_token(), false)
    }
}

/// Exercise 04, pollers spawned with `tokio::spawn`: nothing to wait on at shutdown.
pub mod ex04_untracked {
    use lessons::kit::SlowBackend;
    use tokio_util::sync::CancellationToken;
    use tokio_util::task::TaskTracker;

    pub fn start_pollers(
        db: &SlowBackend,
        keys: &[&str],
        shutdown: &CancellationToken,
        _tracker: &TaskTracker,
    ) -> Vec<CancellationToken> {
        let untracked = TaskTracker::new();
        super::spawn_pollers(db, keys, &untracked, |_| shutdown.child_token(), true)
    }
}

/// The exercise 02 error type, as the exercise declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimedOut;

/// The pollers of the exercise 04 mistakes, which differ only in their token, their
/// tracker, and whether a call races the token or the token is checked between calls.
fn spawn_pollers(
    db: &lessons::kit::SlowBackend,
    keys: &[&str],
    tracker: &tokio_util::task::TaskTracker,
    token_for: impl Fn(&str) -> tokio_util::sync::CancellationToken,
    race_the_call: bool,
) -> Vec<tokio_util::sync::CancellationToken> {
    keys.iter()
        .map(|key| {
            let stop = token_for(key);
            let (db, key, poller_stop) = (db.clone(), key.to_string(), stop.clone());
            tracker.spawn(async move {
                while !poller_stop.is_cancelled() {
                    if race_the_call {
                        poller_stop.run_until_cancelled(db.call(&key)).await;
                    } else {
                        db.call(&key).await;
                    }
                }
            });
            stop
        })
        .collect()
}

/// Exercise 05, an unbounded queue: `log` never waits and never drops, and the
/// backlog takes as much memory as the burst brings.
pub mod ex05_unbounded {
    pub type Logger = super::logger_flaws::FlawedLogger<{ super::logger_flaws::UNBOUNDED_QUEUE }>;
}

/// Exercise 05, no flush: the writer stops at the shutdown signal and abandons what
/// was queued.
pub mod ex05_no_flush {
    pub type Logger = super::logger_flaws::FlawedLogger<{ super::logger_flaws::NO_FLUSH }>;
}

/// One logger with a switch per known flaw, so that each exercise 05 mistake differs
/// from a right answer in exactly one place.
mod logger_flaws {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use lessons::kit::SlowBackend;
    use tokio::sync::mpsc;
    use tokio_util::sync::CancellationToken;
    use tokio_util::task::TaskTracker;

    pub const UNBOUNDED_QUEUE: u8 = 1;
    pub const NO_FLUSH: u8 = 2;

    /// The handlers' end of the queue: bounded, as it should be, or not.
    enum Lines {
        Bounded(mpsc::Sender<String>),
        Unbounded(mpsc::UnboundedSender<String>),
    }

    /// The writer's end of the same queue.
    enum Queued {
        Bounded(mpsc::Receiver<String>),
        Unbounded(mpsc::UnboundedReceiver<String>),
    }

    impl Queued {
        async fn recv(&mut self) -> Option<String> {
            match self {
                Queued::Bounded(lines) => lines.recv().await,
                Queued::Unbounded(lines) => lines.recv().await,
            }
        }

        fn close(&mut self) {
            match self {
                Queued::Bounded(lines) => lines.close(),
                Queued::Unbounded(lines) => lines.close(),
            }
        }
    }

    pub struct FlawedLogger<const FLAW: u8> {
        lines: Lines,
        dropped: Arc<AtomicUsize>,
    }

    impl<const FLAW: u8> FlawedLogger<FLAW> {
        pub fn start(
            capacity: usize,
            sink: SlowBackend,
            shutdown: CancellationToken,
            tracker: &TaskTracker,
        ) -> Self {
            let (lines, mut queued) = if FLAW == UNBOUNDED_QUEUE {
                let (lines, queued) = mpsc::unbounded_channel();
                (Lines::Unbounded(lines), Queued::Unbounded(queued))
            } else {
                let (lines, queued) = mpsc::channel(capacity);
                (Lines::Bounded(lines), Queued::Bounded(queued))
            };
            tracker.spawn(async move {
                while let Some(Some(line)) = shutdown.run_until_cancelled(queued.recv()).await {
                    sink.call(&line).await;
                }
                if FLAW != NO_FLUSH {
                    queued.close();
                    while let Some(line) = queued.recv().await {
                        sink.call(&line).await;
                    }
                }
            });
            FlawedLogger {
                lines,
                dropped: Arc::default(),
            }
        }

        pub fn log(&self, line: String) {
            let queued = match &self.lines {
                Lines::Bounded(lines) => lines.try_send(line).is_ok(),
                Lines::Unbounded(lines) => lines.send(line).is_ok(),
            };
            if !queued {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }

        pub fn dropped(&self) -> usize {
            self.dropped.load(Ordering::Relaxed)
        }
    }
}

/// Exercise 06, a pool that sheds load but whose workers only stop when the queue
/// closes, which it never does while the Pool lives.
pub mod ex06_never_stops {
    use std::sync::Arc;

    use lessons::kit::SlowBackend;
    use tokio::sync::{Mutex, mpsc};
    use tokio_util::sync::CancellationToken;
    use tokio_util::task::TaskTracker;

    pub use solutions::ex06_bounded_pool::{Busy, upstream_client};

    pub struct Pool {
        jobs: mpsc::Sender<String>,
    }

    impl Pool {
        pub fn start(
            workers: usize,
            capacity: usize,
            db: SlowBackend,
            _shutdown: CancellationToken,
            tracker: &TaskTracker,
        ) -> Pool {
            let (jobs, queue) = mpsc::channel::<String>(capacity);
            let queue = Arc::new(Mutex::new(queue));
            for _ in 0..workers {
                let (queue, db) = (queue.clone(), db.clone());
                tracker.spawn(async move {
                    while let Some(job) = queue.lock().await.recv().await {
                        db.call(&job).await;
                    }
                });
            }
            Pool { jobs }
        }

        pub fn submit(&self, job: String) -> Result<(), Busy> {
            self.jobs.try_send(job).map_err(|_| Busy)
        }
    }
}

/// Exercise 06, a client with a connect timeout only: a peer that accepted the
/// connection and went quiet holds the call forever. (The pool is the right one.)
pub mod ex06_connect_timeout_only {
    use std::time::Duration;

    pub use solutions::ex06_bounded_pool::{Busy, Pool};

    pub fn upstream_client() -> reqwest::Client {
        reqwest::Client::builder()
            .connect_timeout(Duration::from_millis(500))
            .build()
            .expect("a plain-HTTP client always builds")
    }
}

/// Exercise 07, the leak "fixed" by removing the heartbeat: no leak, and no presence.
pub mod ex07_no_heartbeat {
    use axum::Router;
    use axum::extract::State;
    use lessons::kit::SlowBackend;

    pub fn router(db: SlowBackend) -> Router {
        super::planted_leak_router(db, poll)
    }

    async fn poll(State(db): State<SlowBackend>) -> String {
        db.call("news").await
    }
}

/// Exercise 07, the heartbeat aborted once the news is in: right when the poll
/// answers, but a client that hangs up drops the handler before the abort is reached.
pub mod ex07_aborted_only_on_answer {
    use std::time::Duration;

    use axum::Router;
    use axum::extract::State;
    use lessons::kit::SlowBackend;

    pub fn router(db: SlowBackend) -> Router {
        super::planted_leak_router(db, poll)
    }

    async fn poll(State(db): State<SlowBackend>) -> String {
        let presence = db.clone();
        let heartbeat = tokio::spawn(async move {
            loop {
                presence.call("heartbeat").await;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        let news = db.call("news").await;
        heartbeat.abort();
        news
    }
}

/// Exercise 07's server around a given `/poll` handler; the other routes are right.
fn planted_leak_router<H, T>(db: lessons::kit::SlowBackend, poll: H) -> axum::Router
where
    H: axum::handler::Handler<T, lessons::kit::SlowBackend>,
    T: 'static,
{
    use axum::extract::State;
    use axum::routing::get;
    use lessons::kit::SlowBackend;

    async fn profile(State(db): State<SlowBackend>) -> String {
        let (profile, settings) =
            futures::future::join(db.call("profile"), db.call("settings")).await;
        format!("{profile}+{settings}")
    }
    async fn orders(State(db): State<SlowBackend>) -> String {
        db.call("orders").await
    }
    axum::Router::new()
        .route("/profile", get(profile))
        .route("/poll", get(poll))
        .route("/orders", get(orders))
        .with_state(db)
}

/// Exercise 08, the first caller runs the work itself: when it leaves, the work it
/// was doing for everyone is dropped with it.
pub mod ex08_leader_runs_the_work {
    pub use super::singleflight_flaws::{FlightError, Outcome};
    pub type Group<K, V, E> = super::singleflight_flaws::FlawedGroup<
        K,
        V,
        E,
        { super::singleflight_flaws::LEADER_RUNS_THE_WORK },
    >;
}

/// Exercise 08, a landing flight removes whatever entry its key has: after a
/// `forget`, that is the newer flight's, and a second execution starts beside it.
pub mod ex08_stale_flight_removes_the_new_one {
    pub use super::singleflight_flaws::{FlightError, Outcome};
    pub type Group<K, V, E> = super::singleflight_flaws::FlawedGroup<
        K,
        V,
        E,
        { super::singleflight_flaws::REMOVES_ANY_ENTRY },
    >;
}

/// Exercise 08, work that panicked is run again by each caller, side effects and all.
pub mod ex08_reruns_after_a_panic {
    pub use super::singleflight_flaws::{FlightError, Outcome};
    pub type Group<K, V, E> = super::singleflight_flaws::FlawedGroup<
        K,
        V,
        E,
        { super::singleflight_flaws::RERUNS_AFTER_A_PANIC },
    >;
}

/// Exercise 08, a panic not caught: the flight's task dies, and its callers learn only
/// that it ended without a result.
pub mod ex08_panic_not_caught {
    pub use super::singleflight_flaws::{FlightError, Outcome};
    pub type Group<K, V, E> = super::singleflight_flaws::FlawedGroup<
        K,
        V,
        E,
        { super::singleflight_flaws::LETS_PANICS_THROUGH },
    >;
}

/// One singleflight group with a switch per known flaw, so that each exercise 08
/// mistake differs from a right answer in exactly one place.
mod singleflight_flaws {
    use std::collections::HashMap;
    use std::future::Future;
    use std::hash::Hash;
    use std::panic::AssertUnwindSafe;
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex, PoisonError};

    use futures::FutureExt;
    use tokio::sync::watch;

    pub use lessons::singleflight::{FlightError, Outcome};

    pub const LEADER_RUNS_THE_WORK: u8 = 1;
    pub const REMOVES_ANY_ENTRY: u8 = 2;
    pub const RERUNS_AFTER_A_PANIC: u8 = 3;
    pub const LETS_PANICS_THROUGH: u8 = 4;

    type Landed<V, E> = Option<Result<V, FlightError<E>>>;
    type Flights<K, V, E> =
        Arc<Mutex<HashMap<K, (u64, watch::Receiver<Landed<V, E>>, Arc<AtomicUsize>)>>>;

    pub struct FlawedGroup<K, V, E, const FLAW: u8> {
        flights: Flights<K, V, E>,
        next_id: Arc<AtomicU64>,
    }

    impl<K, V, E, const FLAW: u8> Clone for FlawedGroup<K, V, E, FLAW> {
        fn clone(&self) -> Self {
            FlawedGroup {
                flights: self.flights.clone(),
                next_id: self.next_id.clone(),
            }
        }
    }

    impl<K, V, E, const FLAW: u8> FlawedGroup<K, V, E, FLAW>
    where
        K: Hash + Eq + Clone + Send + 'static,
        V: Clone + Send + Sync + 'static,
        E: Clone + Send + Sync + 'static,
    {
        pub fn new() -> Self {
            FlawedGroup {
                flights: Arc::default(),
                next_id: Arc::default(),
            }
        }

        pub async fn run<F>(&self, key: K, work: F) -> Outcome<V, E>
        where
            F: Future<Output = Result<V, E>> + Send + 'static,
        {
            // Under the lock: join the flight for `key`, or register a new one.
            let joined_or_new = {
                let mut flights = self.flights.lock().unwrap_or_else(PoisonError::into_inner);
                if let Some((_, outcome, callers)) = flights.get(&key) {
                    callers.fetch_add(1, Ordering::SeqCst);
                    Err((outcome.clone(), callers.clone()))
                } else {
                    let id = self.next_id.fetch_add(1, Ordering::Relaxed);
                    let (publish, outcome) = watch::channel(None);
                    let callers = Arc::new(AtomicUsize::new(1));
                    flights.insert(key.clone(), (id, outcome.clone(), callers.clone()));
                    Ok((id, publish, outcome, callers))
                }
            };
            match joined_or_new {
                Ok((id, publish, outcome, callers)) => {
                    let flight =
                        fly::<K, V, E, F, FLAW>(self.flights.clone(), key, id, work, publish);
                    if FLAW == LEADER_RUNS_THE_WORK {
                        flight.await;
                    } else {
                        tokio::spawn(flight);
                    }
                    wait(outcome, callers).await
                }
                Err((outcome, callers)) => {
                    let outcome = wait(outcome, callers).await;
                    if FLAW == RERUNS_AFTER_A_PANIC
                        && matches!(outcome.result, Err(FlightError::Panicked(_)))
                    {
                        let rerun = AssertUnwindSafe(work).catch_unwind().await;
                        let result = match rerun {
                            Ok(result) => result.map_err(FlightError::Failed),
                            Err(_) => Err(FlightError::Panicked("the work broke".to_owned())),
                        };
                        return Outcome {
                            result,
                            shared: false,
                        };
                    }
                    outcome
                }
            }
        }

        pub fn forget(&self, key: &K) -> bool {
            self.flights
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(key)
                .is_some()
        }

        pub fn in_flight(&self) -> usize {
            self.flights
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .len()
        }
    }

    async fn wait<V: Clone, E: Clone>(
        mut outcome: watch::Receiver<Landed<V, E>>,
        callers: Arc<AtomicUsize>,
    ) -> Outcome<V, E> {
        let result = match outcome.wait_for(Option::is_some).await {
            Ok(landed) => landed.clone().unwrap_or(Err(FlightError::Abandoned)),
            Err(_) => Err(FlightError::Abandoned),
        };
        Outcome {
            result,
            shared: callers.load(Ordering::SeqCst) > 1,
        }
    }

    async fn fly<K, V, E, F, const FLAW: u8>(
        flights: Flights<K, V, E>,
        key: K,
        id: u64,
        work: F,
        publish: watch::Sender<Landed<V, E>>,
    ) where
        K: Hash + Eq,
        F: Future<Output = Result<V, E>>,
    {
        let result = if FLAW == LETS_PANICS_THROUGH {
            Ok(work.await)
        } else {
            AssertUnwindSafe(work).catch_unwind().await
        };
        let result = match result {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(FlightError::Failed(error)),
            Err(_) => Err(FlightError::Panicked("the work broke".to_owned())),
        };
        {
            let mut flights = flights.lock().unwrap_or_else(PoisonError::into_inner);
            let still_ours = flights
                .get(&key)
                .is_some_and(|(flight, _, _)| *flight == id);
            if FLAW == REMOVES_ANY_ENTRY || still_ours {
                flights.remove(&key);
            }
        }
        publish.send_replace(Some(result));
    }
}

/// Exercise 09, the path without the query: day 1's report replayed for day 2.
pub mod ex09_no_query {
    use axum::http::request::Parts;

    pub use solutions::ex09_coalesce_key::{CoalesceKey, replay_headers};

    pub fn coalescing_key(request: &Parts) -> Option<CoalesceKey> {
        let mut key = solutions::ex09_coalesce_key::coalescing_key(request)?;
        key.target = request.uri.path().to_owned();
        Some(key)
    }
}

/// Exercise 09, `Authorization` only: two users signed in by cookie share answers.
pub mod ex09_authorization_only {
    use axum::http::header;
    use axum::http::request::Parts;

    pub use solutions::ex09_coalesce_key::{CoalesceKey, replay_headers};

    pub fn coalescing_key(request: &Parts) -> Option<CoalesceKey> {
        let mut key = solutions::ex09_coalesce_key::coalescing_key(request)?;
        key.varying
            .retain(|(name, _)| name == header::AUTHORIZATION);
        Some(key)
    }
}

/// Exercise 09, every header in the key: safe, and no two requests ever coalesce.
pub mod ex09_every_header {
    use axum::http::request::Parts;

    pub use solutions::ex09_coalesce_key::{CoalesceKey, replay_headers};

    pub fn coalescing_key(request: &Parts) -> Option<CoalesceKey> {
        let mut key = solutions::ex09_coalesce_key::coalescing_key(request)?;
        key.varying = request
            .headers
            .iter()
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        Some(key)
    }
}

/// Exercise 09, the replay keeps `Set-Cookie`: one client's session handed to all.
pub mod ex09_replays_set_cookie {
    use axum::http::HeaderMap;

    pub use solutions::ex09_coalesce_key::{CoalesceKey, coalescing_key};

    pub fn replay_headers(headers: &HeaderMap, _shared: bool) -> HeaderMap {
        headers.clone()
    }
}
