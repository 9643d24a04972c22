//! Exercise 01 (lesson `01_naive_fanout`): ask for everything at once.
//!
//! `fetch_all` needs one answer per key from a slow backend. Called one after
//! another, the calls take the sum of their latencies; make them take as long as the
//! slowest one. Grade it with `cargo test -p exercises --test ex01_fan_out`.

use lessons::kit::SlowBackend;

// ANCHOR: exercise
/// Calls `backend.call(key)` for every key, all at once, and returns the answers in
/// the order of `keys` (not the order they finish in).
pub async fn fetch_all(backend: &SlowBackend, keys: &[&str]) -> Vec<String> {
    // TODO: start every call before waiting for any of them.
    // TODO: return the answers in the order of `keys`.
    todo!("call the backend for every key at once")
}
// ANCHOR_END: exercise
