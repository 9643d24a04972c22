//! Exercise 08 (lesson `09_singleflight`): build the singleflight group.
//!
//! One execution per key at a time, its result handed to every caller who asked
//! meanwhile: Go's `x/sync/singleflight`, for tokio, and better. The grader checks the
//! eight properties of lesson 09's chapter, one test each: read them there first.
//! Grade it with `cargo test -p exercises --test ex08_singleflight`.

use std::future::Future;
use std::hash::Hash;
use std::marker::PhantomData;

// The error and outcome types are given: the grader matches on them.
pub use lessons::singleflight::{FlightError, Outcome};

// ANCHOR: exercise
/// Coalesces concurrent work by key. Clones share their flights.
pub struct Group<K, V, E> {
    // TODO: the flights in progress, by key.
    _types: PhantomData<(K, V, E)>,
}

impl<K, V, E> Clone for Group<K, V, E> {
    fn clone(&self) -> Self {
        todo!("clones share the same flights")
    }
}

impl<K, V, E> Group<K, V, E>
where
    K: Hash + Eq + Clone + Send + 'static,
    V: Clone + Send + Sync + 'static,
    E: Clone + Send + Sync + 'static,
{
    #[allow(clippy::new_without_default)] // a `Default` may come later; `new` is the exercise
    pub fn new() -> Self {
        todo!("an empty group")
    }

    /// Runs `work` for `key`, unless a flight for `key` is under way: then waits for
    /// that flight's result, and drops `work` unpolled. The work must go on even if the
    /// caller who started it stops waiting.
    pub async fn run<F>(&self, key: K, work: F) -> Outcome<V, E>
    where
        F: Future<Output = Result<V, E>> + Send + 'static,
    {
        // TODO: join the flight for `key`, or start one in a task of its own.
        // TODO: wait for its result without holding a lock across the `.await`.
        todo!("join or start the flight for this key")
    }

    /// Makes the next `run` for `key` start a new flight; callers of the current one
    /// still get its result. Returns whether there was a flight to forget.
    pub fn forget(&self, key: &K) -> bool {
        todo!("forget the current flight for this key")
    }

    /// Flights under way now.
    pub fn in_flight(&self) -> usize {
        todo!("count the flights under way")
    }
}
// ANCHOR_END: exercise
