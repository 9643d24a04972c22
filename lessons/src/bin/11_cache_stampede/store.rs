//! The stampede's two stores: the slow database with its small connection pool, and
//! the course's own cache, whose entries expire.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use lessons::kit::{Latency, Narrator, SlowBackend};
use tokio::sync::Semaphore;
use tokio::time::Instant;

use super::DB_CONNECTIONS;

// ANCHOR: database
/// The slow dependency: each query is a call to a [`SlowBackend`], made on one of
/// `DB_CONNECTIONS` connections. A query that finds them all busy waits for one, as
/// with any pooled database client: this is where a stampede turns into latency.
#[derive(Clone)]
pub struct Database {
    /// Runs the queries and counts them.
    backend: SlowBackend,
    /// The connection pool: one permit per connection.
    connections: Arc<Semaphore>,
}

impl Database {
    pub fn new(query: Duration, narrator: &Narrator) -> Self {
        Database {
            backend: SlowBackend::new("db", Latency::Fixed(query), narrator),
            connections: Arc::new(Semaphore::new(DB_CONNECTIONS)),
        }
    }

    pub async fn query(&self, key: &str) -> String {
        let _connection = self
            .connections
            .acquire()
            .await
            .expect("the pool is never closed");
        self.backend.call(key).await
    }

    /// Queries started so far.
    pub fn queries(&self) -> usize {
        self.backend.stats().started
    }
}
// ANCHOR_END: database

// ANCHOR: cache
/// A cache whose entries expire `ttl` after they were stored.
pub struct Cache {
    /// How long a stored value stays good.
    ttl: Duration,
    /// Key to value and the instant it expires. A std mutex: it is held only for one
    /// lookup or one insert, never across an `.await`.
    entries: Mutex<HashMap<String, (String, Instant)>>,
}

impl Cache {
    pub fn new(ttl: Duration) -> Self {
        Cache {
            ttl,
            entries: Mutex::default(),
        }
    }

    /// The value for `key`, if it is there and has not expired.
    pub fn get(&self, key: &str) -> Option<String> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let (value, expires) = entries.get(key)?;
        (Instant::now() < *expires).then(|| value.clone())
    }

    /// Stores `value` for `key`, good for `ttl` from now. An expired entry stays in
    /// the map until the next `put` replaces it.
    pub fn put(&self, key: &str, value: String) {
        let expires = Instant::now() + self.ttl;
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.insert(key.to_owned(), (value, expires));
    }

    /// Makes `key`'s entry expire now, as if its `ttl` had run out: the lesson's way
    /// to reach the moment of expiry without waiting for it.
    pub fn expire(&self, key: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, expires)) = entries.get_mut(key) {
            *expires = Instant::now();
        }
    }
}
// ANCHOR_END: cache
