//! Exercise 02 (lesson `02_timeout_leak`): a deadline that stops the work.
//!
//! `fetch_all_within` is exercise 01 with a time limit. Answering on time is the
//! easy half; the other half is what lesson 02 is about: when it gives up, none of
//! the calls it started may go on running. Grade it with
//! `cargo test -p exercises --test ex02_deadline`.

use std::time::Duration;

use lessons::kit::SlowBackend;

/// The calls did not all finish within the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimedOut;

// ANCHOR: exercise
/// Calls `backend.call(key)` for every key at once and returns the answers in the
/// order of `keys`, or `Err(TimedOut)` once `limit` has passed. When it returns,
/// no call it started is still running, and none finishes later.
pub async fn fetch_all_within(
    backend: &SlowBackend,
    keys: &[&str],
    limit: Duration,
) -> Result<Vec<String>, TimedOut> {
    // TODO: run the calls at once, as in exercise 01.
    // TODO: give up after `limit`, and make sure that giving up stops every call.
    todo!("fetch everything, or time out and leave nothing running")
}
// ANCHOR_END: exercise
