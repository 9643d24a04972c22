//! Wrong: a timeout on each call, awaited in turn: every call is bounded, the whole is not, and four slow calls take four limits.

use std::time::Duration;

use lessons::kit::SlowBackend;

pub use solutions::ex02_deadline::TimedOut;

pub async fn fetch_all_within(
    backend: &SlowBackend,
    keys: &[&str],
    limit: Duration,
) -> Result<Vec<String>, TimedOut> {
    let mut answers = Vec::new();
    for key in keys {
        let answer = tokio::time::timeout(limit, backend.call(key)).await;
        answers.push(answer.map_err(|_| TimedOut)?);
    }
    Ok(answers)
}
