//! Wrong: a panic in the work is not caught: the flight's task dies before it lands, no result is ever written, and every caller waits for ever.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

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
            if let Some(flight) = flights.get(&key) {
                flight.callers.fetch_add(1, Ordering::SeqCst);
                flight.clone()
            } else {
                let flight = Arc::new(Flight {
                    callers: AtomicUsize::new(1),
                    result: OnceLock::new(),
                    landed: Notify::new(),
                });
                flights.insert(key.clone(), flight.clone());
                tokio::spawn(fly(self.flights.clone(), key, flight.clone(), work));
                flight
            }
        };
        let result = loop {
            let mut notified = pin!(flight.landed.notified());
            notified.as_mut().enable();
            if let Some(result) = flight.result.get() {
                break result.clone();
            }
            notified.await;
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
    let result = work.await.map_err(FlightError::Failed);
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
