//! The `Group`: a map from key to the flight in progress for it.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::panic::AssertUnwindSafe;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use futures::FutureExt;
use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Why a flight gave no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlightError<E> {
    /// The work returned this error.
    Failed(E),
    /// The work panicked, with this message. It is not run again.
    Panicked(String),
    /// The flight ended without a result: its task was aborted, as when the runtime
    /// shuts down, or cancelled by [`Group::shutdown`].
    Abandoned,
    /// The flight's deadline passed first (see [`Group::with_deadline`]): the work was
    /// dropped, and the key was free for a new flight at once.
    TimedOut,
}

/// What one caller gets: the flight's result, and whether it went to other callers too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome<V, E> {
    pub result: Result<V, FlightError<E>>,
    /// More than one caller received this result (Go's `shared`).
    pub shared: bool,
}

/// Coalesces concurrent work by key. Cheap to clone; clones share their flights.
///
/// ```
/// use lessons::singleflight::Group;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let group: Group<&str, u32, String> = Group::new();
/// let outcome = group.run("answer", async { Ok(42) }).await;
/// assert_eq!(outcome.result, Ok(42));
/// assert!(!outcome.shared);
/// # }
/// ```
pub struct Group<K, V, E> {
    shared: Arc<Flights<K, V, E>>,
}

/// What every clone of a group shares.
struct Flights<K, V, E> {
    /// The flight under way for each key. A flight is known by its allocation
    /// (`Arc::ptr_eq`), so a finishing flight can tell its entry from a newer one.
    by_key: Mutex<HashMap<K, Arc<Flight<V, E>>>>,
    /// How long a flight may take, if the group was given a deadline.
    deadline: Option<Duration>,
    /// The flights whose first caller left, flying on tasks of their own: a shutdown
    /// can wait for them, and cancel them (`shutdown`).
    handed_over: TaskTracker,
    cancel_handed_over: CancellationToken,
}

impl<K, V, E> Clone for Group<K, V, E> {
    fn clone(&self) -> Self {
        Group {
            shared: self.shared.clone(),
        }
    }
}

impl<K, V, E> Default for Group<K, V, E> {
    fn default() -> Self {
        Group::with(None)
    }
}

impl<K, V, E> Group<K, V, E> {
    fn with(deadline: Option<Duration>) -> Self {
        Group {
            shared: Arc::new(Flights {
                by_key: Mutex::default(),
                deadline,
                handed_over: TaskTracker::new(),
                cancel_handed_over: CancellationToken::new(),
            }),
        }
    }
}

/// One flight: one allocation shared by its task and every caller waiting on it.
struct Flight<V, E> {
    /// How many callers joined this flight, the first one included.
    callers: AtomicUsize,
    /// The result, written once when the flight lands.
    result: OnceLock<Result<V, FlightError<E>>>,
    /// Wakes the callers once `result` is written.
    landed: Notify,
    /// When the flight gives up, if the group has a deadline.
    deadline: Option<Instant>,
}

impl<V, E> Flight<V, E> {
    /// Waits until the result is written. Registers for the wake-up before looking,
    /// so that a result written in between is never missed.
    async fn landed(&self) -> &Result<V, FlightError<E>> {
        // The common case for a caller that flew the work itself: already landed.
        if let Some(result) = self.result.get() {
            return result;
        }
        loop {
            let notified = self.landed.notified();
            let mut notified = pin!(notified);
            notified.as_mut().enable();
            if let Some(result) = self.result.get() {
                return result;
            }
            notified.await;
        }
    }
}

impl<K, V, E> Group<K, V, E>
where
    K: Hash + Eq + Clone + Send + 'static,
    V: Clone + Send + Sync + 'static,
    E: Clone + Send + Sync + 'static,
{
    pub fn new() -> Self {
        Self::default()
    }

    /// A group whose flights may take at most `deadline`. When it passes, every caller
    /// of the flight gets [`FlightError::TimedOut`], the key is free for a new flight at
    /// once, and the work is dropped. Waiters keep this deadline themselves, so that it
    /// holds even when the first caller's future is kept but no longer polled.
    pub fn with_deadline(deadline: Duration) -> Self {
        Self::with(Some(deadline))
    }

    // ANCHOR: run
    /// Runs `work` for `key`, unless a flight for `key` is already under way: then
    /// waits for that one's result instead, and `work` is dropped unpolled.
    ///
    /// The first caller flies the work on its own task. If it stops waiting (its future
    /// is dropped) before the work ends, the rest of the flight moves to a task of its
    /// own and goes on for the others; the map entry is cleared when it ends.
    pub async fn run<F>(&self, key: K, work: F) -> Outcome<V, E>
    where
        F: Future<Output = Result<V, E>> + Send + 'static,
    {
        let (flight, to_fly, landing) = self.join_or_start(key, work);
        if let Some(to_fly) = to_fly {
            Handover {
                flight: Some(to_fly),
                flights: self.shared.clone(),
            }
            .fly()
            .await;
        }
        let result = match (flight.deadline, landing) {
            (Some(deadline), Some(landing)) => {
                match tokio::time::timeout_at(deadline, flight.landed()).await {
                    Ok(result) => result.clone(),
                    Err(_) => {
                        // The flight is late, and perhaps not even polled: this caller
                        // lands it. Whoever writes the result first wins.
                        landing.land(Err(FlightError::TimedOut));
                        flight.landed().await.clone()
                    }
                }
            }
            _ => flight.landed().await.clone(),
        };
        Outcome {
            result,
            shared: flight.callers.load(Ordering::SeqCst) > 1,
        }
    }
    // ANCHOR_END: run

    /// Makes the next `run` for `key` start a new flight. Callers of the current one,
    /// if any, still get its result. Returns whether there was a flight to forget.
    pub fn forget(&self, key: &K) -> bool {
        self.shared.lock().remove(key).is_some()
    }

    /// Flights under way now.
    pub fn in_flight(&self) -> usize {
        self.shared.lock().len()
    }

    /// Flights whose first caller left, now flying on a task of their own.
    pub fn handed_over(&self) -> usize {
        self.shared.handed_over.len()
    }

    /// For a graceful shutdown: waits up to `grace` for the flights handed over to
    /// tasks of their own, then cancels those still flying (their callers, if any,
    /// learn [`FlightError::Abandoned`]). Returns how many were cancelled. After it,
    /// a flight whose first caller leaves is cancelled at once instead of handed over.
    pub async fn shutdown(&self, grace: Duration) -> usize {
        let tasks = &self.shared.handed_over;
        tasks.close();
        if tokio::time::timeout(grace, tasks.wait()).await.is_ok() {
            return 0;
        }
        let cancelled = tasks.len();
        self.shared.cancel_handed_over.cancel();
        tasks.wait().await;
        cancelled
    }

    // ANCHOR: join_or_start
    /// Joins the flight for `key`, or starts one and returns it to fly. The lock is
    /// held only here, never across an `.await`.
    ///
    /// With a deadline, each caller also gets a `Landing` of its own, to end the
    /// flight with if the deadline passes before it lands.
    #[allow(clippy::type_complexity)] // three results, each named where it is used
    fn join_or_start<F>(
        &self,
        key: K,
        work: F,
    ) -> (
        Arc<Flight<V, E>>,
        Option<FlightTask>,
        Option<Landing<K, V, E>>,
    )
    where
        F: Future<Output = Result<V, E>> + Send + 'static,
    {
        let mut by_key = self.shared.lock();
        if let Some(flight) = by_key.get(&key) {
            flight.callers.fetch_add(1, Ordering::SeqCst);
            let flight = flight.clone();
            drop(by_key);
            let late = self.landing(&key, &flight);
            return (flight, None, late);
        }
        let flight = Arc::new(Flight {
            callers: AtomicUsize::new(1),
            result: OnceLock::new(),
            landed: Notify::new(),
            deadline: self
                .shared
                .deadline
                .map(|deadline| Instant::now() + deadline),
        });
        by_key.insert(key.clone(), flight.clone());
        drop(by_key);

        let late = self.landing(&key, &flight);
        let landing = Landing {
            flights: self.shared.clone(),
            key,
            flight: flight.clone(),
        };
        (flight.clone(), Some(Box::pin(fly(work, landing))), late)
    }

    /// A caller's own way to end a flight that passed its deadline.
    fn landing(&self, key: &K, flight: &Arc<Flight<V, E>>) -> Option<Landing<K, V, E>> {
        flight.deadline?;
        Some(Landing {
            flights: self.shared.clone(),
            key: key.clone(),
            flight: flight.clone(),
        })
    }
    // ANCHOR_END: join_or_start
}

// ANCHOR: fly
/// A flight's work and landing, boxed so that it can change hands mid-way.
type FlightTask = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The first caller's hold on the flight it started. The caller polls the flight on
/// its own task (no task to spawn while it stays); if it is dropped before the flight
/// lands, the rest of the flight is handed to a task of its own, so the work goes on
/// for the others: Go's `context.WithoutCancel`, paid for only when a caller leaves.
struct Handover<K, V, E> {
    flight: Option<FlightTask>,
    /// Where a handed-over flight is tracked, and cancelled at shutdown.
    flights: Arc<Flights<K, V, E>>,
}

impl<K, V, E> Handover<K, V, E> {
    async fn fly(mut self) {
        if let Some(flight) = self.flight.as_mut() {
            flight.await;
            self.flight = None;
        }
    }
}

impl<K, V, E> Drop for Handover<K, V, E> {
    fn drop(&mut self) {
        let Some(rest) = self.flight.take() else {
            return;
        };
        // With no runtime left (it is shutting down), the flight is dropped here, and
        // its landing tells the callers it was abandoned; the same after `shutdown`.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let cancel = self.flights.cancel_handed_over.clone();
        let rest = async move {
            cancel.run_until_cancelled(rest).await;
        };
        self.flights.handed_over.spawn_on(rest, &runtime);
    }
}

impl<K: Hash + Eq, V, E> Flights<K, V, E> {
    fn lock(&self) -> MutexGuard<'_, HashMap<K, Arc<Flight<V, E>>>> {
        // No code panics while holding this lock; if some did, the map is still sound.
        self.by_key.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The flight: runs the work (until its deadline, if any), then lands with its result.
async fn fly<K, V, E, F>(work: F, landing: Landing<K, V, E>)
where
    K: Hash + Eq,
    F: Future<Output = Result<V, E>>,
{
    let work = AssertUnwindSafe(work).catch_unwind();
    let ended = match landing.flight.deadline {
        Some(deadline) => tokio::time::timeout_at(deadline, work).await.ok(),
        None => Some(work.await),
    };
    let result = match ended {
        Some(Ok(Ok(value))) => Ok(value),
        Some(Ok(Err(error))) => Err(FlightError::Failed(error)),
        Some(Err(panic)) => Err(FlightError::Panicked(panic_message(&*panic))),
        None => Err(FlightError::TimedOut),
    };
    landing.land(result);
}

/// Ends a flight, whichever way its task ends: with a result (`land`), or dropped
/// without one (the task aborted), when the callers learn it was `Abandoned`.
struct Landing<K: Hash + Eq, V, E> {
    flights: Arc<Flights<K, V, E>>,
    key: K,
    flight: Arc<Flight<V, E>>,
}

impl<K: Hash + Eq, V, E> Landing<K, V, E> {
    fn land(self, result: Result<V, FlightError<E>>) {
        // The entry goes first, so that no new caller joins a flight that has landed.
        self.leave_the_map();
        let _ = self.flight.result.set(result);
        // Dropping `self` wakes the callers.
    }

    /// Removes the map entry, but only if it is still this flight's: after a
    /// `forget`, the key may already belong to a newer flight, which must stay.
    fn leave_the_map(&self) {
        let mut by_key = self.flights.lock();
        if by_key
            .get(&self.key)
            .is_some_and(|entry| Arc::ptr_eq(entry, &self.flight))
        {
            by_key.remove(&self.key);
        }
    }
}

impl<K: Hash + Eq, V, E> Drop for Landing<K, V, E> {
    fn drop(&mut self) {
        self.leave_the_map();
        // Still unset if the task was dropped before the work ended.
        let _ = self.flight.result.set(Err(FlightError::Abandoned));
        self.flight.landed.notify_waiters();
    }
}
// ANCHOR_END: fly

/// The text a panic was raised with, when it was a string.
fn panic_message(panic: &(dyn Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic with no message".to_owned())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::runtime::Builder;

    use super::*;

    #[test]
    fn callers_learn_that_a_dropped_flight_was_abandoned() {
        let group: Group<&str, u32, String> = Group::new();
        let mut first = Box::pin(group.run("key", std::future::pending()));
        let mut second = Box::pin(group.run("key", std::future::pending()));
        let runtime = Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            assert!(
                futures::poll!(first.as_mut()).is_pending(),
                "the first caller flies"
            );
            assert!(
                futures::poll!(second.as_mut()).is_pending(),
                "the second joins"
            );
        });
        // The first caller leaves where no runtime can take its flight over (as during a
        // shutdown): the flight is dropped, and must not leave the second waiting.
        drop(first);
        let outcome = runtime
            .block_on(async { tokio::time::timeout(Duration::from_secs(5), second).await })
            .expect("the caller must not wait for ever");
        assert_eq!(outcome.result, Err(FlightError::Abandoned));
        assert_eq!(group.in_flight(), 0, "the abandoned flight's entry is gone");
    }

    #[tokio::test(start_paused = true)]
    async fn the_first_caller_leaving_hands_the_work_to_a_task() {
        let group: Group<&str, u32, String> = Group::new();
        let first = group.run("key", async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            Ok(7)
        });
        assert!(
            tokio::time::timeout(Duration::from_millis(10), first)
                .await
                .is_err()
        );
        let later = group.run("key", async { Ok(0) }).await;
        assert_eq!(
            later.result,
            Ok(7),
            "the work went on without its first caller"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_first_caller_kept_but_never_polled_holds_its_waiters_until_the_deadline() {
        let group: Group<&str, u32, String> = Group::with_deadline(Duration::from_secs(1));
        let mut first = Box::pin(group.run("key", async {
            tokio::task::yield_now().await;
            Ok(1)
        }));
        // Polled once: it has started the flight, and is then kept, never polled again
        // (as a future held in a struct, or in a `select!` whose other branch runs on).
        assert!(futures::poll!(first.as_mut()).is_pending());
        let started = tokio::time::Instant::now();
        let waiter = group.run("key", async { Ok(2) }).await;
        assert_eq!(waiter.result, Err(FlightError::TimedOut));
        assert_eq!(started.elapsed(), Duration::from_secs(1));
        assert_eq!(group.in_flight(), 0, "the key is free at once");
        let next = group.run("key", async { Ok(3) }).await;
        assert_eq!(next.result, Ok(3));
        drop(first);
    }

    #[tokio::test(start_paused = true)]
    async fn without_a_deadline_such_a_waiter_waits_as_long_as_the_first_caller_is_kept() {
        // The limit of a group without a deadline, shown: this is why the coalescing
        // layer always sets one.
        let group: Group<&str, u32, String> = Group::new();
        let mut first = Box::pin(group.run("key", async {
            tokio::task::yield_now().await;
            Ok(1)
        }));
        assert!(futures::poll!(first.as_mut()).is_pending());
        let waiter = group.run("key", async { Ok(2) });
        assert!(
            tokio::time::timeout(Duration::from_secs(3600), waiter)
                .await
                .is_err(),
            "an hour later, the waiter still waits on the unpolled flight"
        );
        assert_eq!(first.await.result, Ok(1), "polled again, it lands");
    }

    #[tokio::test(start_paused = true)]
    async fn a_hung_flight_is_dropped_at_its_deadline() {
        let group: Group<&str, u32, String> = Group::with_deadline(Duration::from_millis(500));
        let dropped = Arc::new(AtomicUsize::new(0));
        struct CountsDrop(Arc<AtomicUsize>);
        impl Drop for CountsDrop {
            fn drop(&mut self) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let guard = CountsDrop(dropped.clone());
        let outcome = group
            .run("key", async move {
                let _guard = guard;
                std::future::pending::<Result<u32, String>>().await
            })
            .await;
        assert_eq!(outcome.result, Err(FlightError::TimedOut));
        assert_eq!(
            dropped.load(Ordering::SeqCst),
            1,
            "the hung work was dropped"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn shutdown_waits_for_handed_over_flights_then_cancels_the_rest() {
        let group: Group<&str, u32, String> = Group::new();
        for (key, takes) in [("quick", 100), ("slow", 10_000)] {
            let first = group.run(key, async move {
                tokio::time::sleep(Duration::from_millis(takes)).await;
                Ok(1)
            });
            // The caller leaves at once: its flight is handed over to a task.
            assert!(
                tokio::time::timeout(Duration::from_millis(1), first)
                    .await
                    .is_err()
            );
        }
        assert_eq!(group.handed_over(), 2);
        let started = tokio::time::Instant::now();
        let cancelled = group.shutdown(Duration::from_secs(1)).await;
        assert_eq!(
            cancelled, 1,
            "the quick one landed within the grace, the slow one not"
        );
        assert_eq!(started.elapsed(), Duration::from_secs(1));
        assert_eq!(group.handed_over(), 0, "no task is left");
        assert_eq!(group.in_flight(), 0, "no key is held");
    }
}
