//! Wrong: a caller looks at the result first and asks to be woken after: on one thread nothing lands in between, on many the flight can land in that gap, its wake-up goes to nobody, and the caller waits for ever.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use futures::FutureExt;
use tokio::sync::Notify;

pub use lessons::singleflight::{FlightError, Outcome};

struct Flight<V, E> {
    callers: AtomicUsize,
    result: OnceLock<Result<V, FlightError<E>>>,
    landed: Notify,
}

type Flights<K, V, E> = Arc<Mutex<HashMap<K, Arc<Flight<V, E>>>>>;

pub struct Group<K, V, E> {
    flights: Flights<K, V, E>,
}

impl<K, V, E> Clone for Group<K, V, E> {
    fn clone(&self) -> Self {
        Group {
            flights: self.flights.clone(),
        }
    }
}

impl<K, V, E> Group<K, V, E>
where
    K: Hash + Eq + Clone + Send + 'static,
    V: Clone + Send + Sync + 'static,
    E: Clone + Send + Sync + 'static,
{
    #[allow(clippy::new_without_default)] // the exercise's signature
    pub fn new() -> Self {
        Group {
            flights: Arc::default(),
        }
    }

    pub async fn run<F>(&self, key: K, work: F) -> Outcome<V, E>
    where
        F: Future<Output = Result<V, E>> + Send + 'static,
    {
        let flight = {
            let mut flights = self.flights.lock().unwrap();
            match flights.get(&key) {
                Some(flight) => {
                    flight.callers.fetch_add(1, Ordering::SeqCst);
                    flight.clone()
                }
                None => {
                    let flight = Arc::new(Flight {
                        callers: AtomicUsize::new(1),
                        result: OnceLock::new(),
                        landed: Notify::new(),
                    });
                    flights.insert(key.clone(), flight.clone());
                    tokio::spawn(fly(self.flights.clone(), key, flight.clone(), work));
                    flight
                }
            }
        };
        let result = loop {
            if let Some(result) = flight.result.get() {
                break result.clone();
            }
            // The flight may land right here: its wake-up finds nobody registered yet.
            flight.landed.notified().await;
        };
        Outcome {
            result,
            shared: flight.callers.load(Ordering::SeqCst) > 1,
        }
    }

    pub fn forget(&self, key: &K) -> bool {
        self.flights.lock().unwrap().remove(key).is_some()
    }

    pub fn in_flight(&self) -> usize {
        self.flights.lock().unwrap().len()
    }
}

async fn fly<K: Hash + Eq, V, E, F>(
    flights: Flights<K, V, E>,
    key: K,
    flight: Arc<Flight<V, E>>,
    work: F,
) where
    F: Future<Output = Result<V, E>>,
{
    let result = match AssertUnwindSafe(work).catch_unwind().await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(FlightError::Failed(error)),
        Err(_) => Err(FlightError::Panicked("the work broke".to_owned())),
    };
    {
        let mut flights = flights.lock().unwrap();
        if flights
            .get(&key)
            .is_some_and(|entry| Arc::ptr_eq(entry, &flight))
        {
            flights.remove(&key);
        }
    }
    let _ = flight.result.set(result);
    flight.landed.notify_waiters();
}
