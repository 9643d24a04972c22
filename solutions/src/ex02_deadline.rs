//! Solution to exercise 02: a deadline that stops the work.

use std::time::Duration;

use futures::future::join_all;
use lessons::kit::SlowBackend;

/// The calls did not all finish within the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimedOut;

// ANCHOR: solution
/// Calls `backend.call(key)` for every key at once and returns the answers in the
/// order of `keys`, or `Err(TimedOut)` once `limit` has passed.
pub async fn fetch_all_within(
    backend: &SlowBackend,
    keys: &[&str],
    limit: Duration,
) -> Result<Vec<String>, TimedOut> {
    let calls = join_all(keys.iter().map(|key| backend.call(key)));
    // On timeout, `timeout` drops `calls`, and with it every call still waiting:
    // each is cancelled at its `.await`. Nothing was spawned, so nothing runs on.
    tokio::time::timeout(limit, calls)
        .await
        .map_err(|_| TimedOut)
}
// ANCHOR_END: solution
