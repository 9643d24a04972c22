//! Scenarios staged by more than one lesson: the broken lesson and its fixed twin
//! face exactly the same backends and timings, so their figures compare.

pub mod bodies;
pub mod logging;
pub mod timeouts;
pub mod workers;

/// The four things the articles' fan-out handler asks its backends for.
pub const KEYS: [&str; 4] = ["foo", "bar", "baz", "qux"];

/// Numbers the requests a lesson's handlers see, for their log lines and jobs.
pub fn next_request() -> usize {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static REQUESTS: AtomicUsize = AtomicUsize::new(0);
    REQUESTS.fetch_add(1, Ordering::Relaxed)
}
