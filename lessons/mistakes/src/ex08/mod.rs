//! Exercise 08, the singleflight group: answers that look right and are not.
//! `check_then_insert` is an answer of its own; the four below
//! differ from a right answer in one place each, a switch of one flawed group.

pub mod check_then_insert;

/// the first caller runs the work itself: when it leaves, the work it
/// was doing for everyone is dropped with it.
pub mod leader_runs_the_work {
    pub use super::singleflight_flaws::{FlightError, Outcome};
    pub type Group<K, V, E> = super::singleflight_flaws::FlawedGroup<
        K,
        V,
        E,
        { super::singleflight_flaws::LEADER_RUNS_THE_WORK },
    >;
}

/// a landing flight removes whatever entry its key has: after a
/// `forget`, that is the newer flight's, and a second execution starts beside it.
pub mod stale_flight_removes_the_new_one {
    pub use super::singleflight_flaws::{FlightError, Outcome};
    pub type Group<K, V, E> = super::singleflight_flaws::FlawedGroup<
        K,
        V,
        E,
        { super::singleflight_flaws::REMOVES_ANY_ENTRY },
    >;
}

/// work that panicked is run again by each caller, side effects and all.
pub mod reruns_after_a_panic {
    pub use super::singleflight_flaws::{FlightError, Outcome};
    pub type Group<K, V, E> = super::singleflight_flaws::FlawedGroup<
        K,
        V,
        E,
        { super::singleflight_flaws::RERUNS_AFTER_A_PANIC },
    >;
}

/// a panic not caught: the flight's task dies, and its callers learn only
/// that it ended without a result.
pub mod panic_not_caught {
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
