//! Wrong: spawned calls aborted when its own timeout fires: clean when it gives up itself, but when an outer timeout or a departing client drops it first, the abort never runs and every call goes on.

use std::time::Duration;

use futures::future::join_all;
use lessons::kit::SlowBackend;

pub use solutions::ex02_deadline::TimedOut;

pub async fn fetch_all_within(
    backend: &SlowBackend,
    keys: &[&str],
    limit: Duration,
) -> Result<Vec<String>, TimedOut> {
    let mut handles: Vec<_> = keys
        .iter()
        .map(|key| {
            let (backend, key) = (backend.clone(), key.to_string());
            tokio::spawn(async move { backend.call(&key).await })
        })
        .collect();
    match tokio::time::timeout(limit, join_all(handles.iter_mut())).await {
        Ok(answers) => Ok(answers
            .into_iter()
            .map(|answer| answer.expect("a call never panics"))
            .collect()),
        Err(_) => {
            for handle in &handles {
                handle.abort();
            }
            Err(TimedOut)
        }
    }
}
