//! Wrong: every call runs to its end and the clock is read afterwards: the answer "timed out" is right, but it comes when the slowest call is done, long after the limit.

use std::time::Duration;

use futures::future::join_all;
use lessons::kit::SlowBackend;
use tokio::time::Instant;

pub use solutions::ex02_deadline::TimedOut;

pub async fn fetch_all_within(
    backend: &SlowBackend,
    keys: &[&str],
    limit: Duration,
) -> Result<Vec<String>, TimedOut> {
    let started = Instant::now();
    let answers = join_all(keys.iter().map(|key| backend.call(key))).await;
    if started.elapsed() > limit {
        return Err(TimedOut);
    }
    Ok(answers)
}
