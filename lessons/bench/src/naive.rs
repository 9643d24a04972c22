//! The baseline a reader might write first: a map from key to a broadcast sender. The
//! first caller for a key runs the work and broadcasts the value; the callers who find
//! its sender in the map subscribe and wait.
//!
//! It holds none of the course's promises. If the leader's caller leaves mid-work, or
//! the work panics, the sender stays in the map and every waiter, present and future,
//! waits for ever. It is here only to show what the bare mechanism costs.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::broadcast;

/// Coalesces concurrent calls by key, with no protection against a leader that leaves.
pub struct NaiveBroadcast<K, V> {
    /// The flights under way: the sender each one's leader will broadcast on.
    flights: Arc<Mutex<HashMap<K, broadcast::Sender<V>>>>,
}

impl<K, V> Clone for NaiveBroadcast<K, V> {
    fn clone(&self) -> Self {
        NaiveBroadcast {
            flights: self.flights.clone(),
        }
    }
}

impl<K, V> Default for NaiveBroadcast<K, V> {
    fn default() -> Self {
        NaiveBroadcast {
            flights: Arc::default(),
        }
    }
}

/// What a caller found in the map.
enum Role<V> {
    /// No flight: this caller runs the work and broadcasts on this sender.
    Leader(broadcast::Sender<V>),
    /// A flight under way: this caller waits for its value.
    Waiter(broadcast::Receiver<V>),
}

impl<K, V> NaiveBroadcast<K, V>
where
    K: Hash + Eq + Clone + Send + 'static,
    V: Clone + Send + 'static,
{
    // ANCHOR: naive
    /// Runs `work` for `key`, or waits for the value of the flight already under way.
    pub fn run(
        &self,
        key: K,
        work: impl Future<Output = V> + Send + 'static,
    ) -> impl Future<Output = V> + Send + 'static {
        let flights = self.flights.clone();
        async move {
            match find_or_start(&flights, &key) {
                Role::Leader(sender) => {
                    let value = work.await;
                    // Out of the map before the send: a caller arriving from now on
                    // starts a new flight rather than subscribing after the value went.
                    lock(&flights).remove(&key);
                    // An error only means nobody subscribed.
                    let _ = sender.send(value.clone());
                    value
                }
                Role::Waiter(mut receiver) => receiver
                    .recv()
                    .await
                    .expect("one value is sent, and no sender is dropped before it"),
            }
        }
    }
    // ANCHOR_END: naive
}

// ANCHOR: find_or_start
/// Subscribes to the flight for `key`, or, if there is none, enters a new one in the
/// map and makes the caller its leader.
fn find_or_start<K: Hash + Eq + Clone, V: Clone>(
    flights: &Mutex<HashMap<K, broadcast::Sender<V>>>,
    key: &K,
) -> Role<V> {
    let mut map = lock(flights);
    match map.get(key) {
        Some(sender) => Role::Waiter(sender.subscribe()),
        None => {
            // One value is ever sent, so a capacity of one never lags.
            let (sender, _) = broadcast::channel(1);
            map.insert(key.clone(), sender.clone());
            Role::Leader(sender)
        }
    }
}
// ANCHOR_END: find_or_start

impl<K, V> NaiveBroadcast<K, V>
where
    K: Hash + Eq + Clone + Send + 'static,
    V: Clone + Send + 'static,
{
    /// As [`run`](Self::run), but the work runs in a task of its own, as our `Group`
    /// runs it, and every caller, the first included, waits for the broadcast. Not a
    /// contestant: the bench times it next to `run` to measure what that task costs.
    pub fn run_in_task(
        &self,
        key: K,
        work: impl Future<Output = V> + Send + 'static,
    ) -> impl Future<Output = V> + Send + 'static {
        let flights = self.flights.clone();
        async move {
            let mut receiver = match find_or_start(&flights, &key) {
                Role::Waiter(receiver) => receiver,
                Role::Leader(sender) => {
                    // Subscribed before the task starts, so the value cannot go first.
                    let receiver = sender.subscribe();
                    let flights = flights.clone();
                    tokio::spawn(async move {
                        let value = work.await;
                        lock(&flights).remove(&key);
                        // An error only means every caller has left.
                        let _ = sender.send(value);
                    });
                    receiver
                }
            };
            receiver
                .recv()
                .await
                .expect("one value is sent, and no sender is dropped before it")
        }
    }
}

fn lock<K, V>(
    flights: &Mutex<HashMap<K, broadcast::Sender<V>>>,
) -> MutexGuard<'_, HashMap<K, broadcast::Sender<V>>> {
    // The lock is never held across an `.await` or around code that can panic.
    flights.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_call_after_the_flight_landed_starts_a_new_one() {
        let naive: NaiveBroadcast<&str, u32> = NaiveBroadcast::default();
        assert_eq!(naive.run("key", async { 1 }).await, 1);
        assert_eq!(
            naive.run("key", async { 2 }).await,
            2,
            "a landed flight must leave the map, or later callers wait on a sender that already sent"
        );
        assert!(
            lock(&naive.flights).is_empty(),
            "the map must be empty once every flight has landed"
        );
    }

    #[tokio::test]
    async fn the_task_variant_answers_its_first_caller_and_empties_the_map() {
        let naive: NaiveBroadcast<&str, u32> = NaiveBroadcast::default();
        assert_eq!(naive.run_in_task("key", async { 1 }).await, 1);
        assert_eq!(naive.run_in_task("key", async { 2 }).await, 2);
        assert!(
            lock(&naive.flights).is_empty(),
            "the map must be empty once every flight has landed"
        );
    }
}
