//! Solution to exercise 01: ask for everything at once.

use futures::future::join_all;
use lessons::kit::SlowBackend;

// ANCHOR: solution
/// Calls `backend.call(key)` for every key, all at once, and returns the answers in
/// the order of `keys`.
pub async fn fetch_all(backend: &SlowBackend, keys: &[&str]) -> Vec<String> {
    // `join_all` polls every call together and yields the outputs in input order.
    // No task is spawned: the calls live and die with this future.
    join_all(keys.iter().map(|key| backend.call(key))).await
}
// ANCHOR_END: solution
