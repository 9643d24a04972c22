//! The `Group`: a map from key to the flight in progress for it.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use futures::FutureExt;
use tokio::sync::watch;

/// Why a flight gave no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlightError<E> {
    /// The work returned this error.
    Failed(E),
    /// The work panicked, with this message. It is not run again.
    Panicked(String),
    /// The flight ended without a result: its task was aborted, as when the runtime
    /// shuts down.
    Abandoned,
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
    flights: Arc<Mutex<HashMap<K, Flight<V, E>>>>,
    /// Numbers flights, so that a finishing flight can tell its entry from a newer one.
    next_id: Arc<AtomicU64>,
}

impl<K, V, E> Clone for Group<K, V, E> {
    fn clone(&self) -> Self {
        Group {
            flights: self.flights.clone(),
            next_id: self.next_id.clone(),
        }
    }
}

impl<K, V, E> Default for Group<K, V, E> {
    fn default() -> Self {
        Group {
            flights: Arc::default(),
            next_id: Arc::default(),
        }
    }
}

/// The result a flight publishes: `None` until it lands.
type Landed<V, E> = Option<Result<V, FlightError<E>>>;

/// A flight in progress, as the map holds it.
struct Flight<V, E> {
    id: u64,
    /// Where the result will appear; each caller waits on a clone.
    outcome: watch::Receiver<Landed<V, E>>,
    /// How many callers joined this flight, the first one included.
    callers: Arc<AtomicUsize>,
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

    // ANCHOR: run
    /// Runs `work` for `key`, unless a flight for `key` is already under way: then
    /// waits for that one's result instead, and `work` is dropped unpolled.
    ///
    /// The work runs in a task of its own: if this caller stops waiting (its future is
    /// dropped), the work goes on for the others, and the map entry is cleared when it
    /// ends.
    pub async fn run<F>(&self, key: K, work: F) -> Outcome<V, E>
    where
        F: Future<Output = Result<V, E>> + Send + 'static,
    {
        let (mut outcome, callers) = self.join_or_start(key, work);
        // A sender dropped before it published means the flight's task was dropped.
        let result = match outcome.wait_for(Option::is_some).await {
            Ok(landed) => landed.clone().unwrap_or(Err(FlightError::Abandoned)),
            Err(_) => Err(FlightError::Abandoned),
        };
        Outcome {
            result,
            shared: callers.load(Ordering::SeqCst) > 1,
        }
    }

    // ANCHOR_END: run

    /// Makes the next `run` for `key` start a new flight. Callers of the current one,
    /// if any, still get its result. Returns whether there was a flight to forget.
    pub fn forget(&self, key: &K) -> bool {
        self.lock().remove(key).is_some()
    }

    /// Flights under way now.
    pub fn in_flight(&self) -> usize {
        self.lock().len()
    }

    // ANCHOR: join_or_start
    /// Joins the flight for `key`, or starts one. The lock is held only here, never
    /// across an `.await`.
    fn join_or_start<F>(&self, key: K, work: F) -> (watch::Receiver<Landed<V, E>>, Arc<AtomicUsize>)
    where
        F: Future<Output = Result<V, E>> + Send + 'static,
    {
        let mut flights = self.lock();
        if let Some(flight) = flights.get(&key) {
            flight.callers.fetch_add(1, Ordering::SeqCst);
            return (flight.outcome.clone(), flight.callers.clone());
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (publish, outcome) = watch::channel(None);
        let callers = Arc::new(AtomicUsize::new(1));
        let flight = Flight {
            id,
            outcome: outcome.clone(),
            callers: callers.clone(),
        };
        flights.insert(key.clone(), flight);
        drop(flights);

        let landing = Landing {
            flights: self.flights.clone(),
            key,
            id,
        };
        // Detached on purpose: the work belongs to every caller, not to the first.
        tokio::spawn(fly(work, landing, publish));
        (outcome, callers)
    }

    // ANCHOR_END: join_or_start

    fn lock(&self) -> MutexGuard<'_, HashMap<K, Flight<V, E>>> {
        // No code panics while holding this lock; if some did, the map is still sound.
        self.flights.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

// ANCHOR: fly
/// The flight's task: runs the work, clears the map entry, publishes the result.
async fn fly<K, V, E, F>(work: F, landing: Landing<K, V, E>, publish: watch::Sender<Landed<V, E>>)
where
    K: Hash + Eq,
    F: Future<Output = Result<V, E>>,
{
    let result = match AssertUnwindSafe(work).catch_unwind().await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(FlightError::Failed(error)),
        Err(panic) => Err(FlightError::Panicked(panic_message(&*panic))),
    };
    // The entry goes first, so that no new caller joins a flight that has landed.
    drop(landing);
    publish.send_replace(Some(result));
}

/// Removes a flight's map entry when dropped (after the work, or if the task is
/// aborted), but only if the entry is still this flight's: after a `forget`, the key
/// may already belong to a newer flight, which must stay.
struct Landing<K: Hash + Eq, V, E> {
    flights: Arc<Mutex<HashMap<K, Flight<V, E>>>>,
    key: K,
    id: u64,
}

impl<K: Hash + Eq, V, E> Drop for Landing<K, V, E> {
    fn drop(&mut self) {
        let mut flights = self.flights.lock().unwrap_or_else(PoisonError::into_inner);
        if flights
            .get(&self.key)
            .is_some_and(|flight| flight.id == self.id)
        {
            flights.remove(&self.key);
        }
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
