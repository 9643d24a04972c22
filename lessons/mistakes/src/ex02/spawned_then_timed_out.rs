//! Wrong: lesson 02's bug: spawned calls and a timeout on collecting them: the caller hears "timed out" on time while every call runs on.

use std::time::Duration;

use lessons::kit::SlowBackend;

pub use solutions::ex02_deadline::TimedOut;

pub async fn fetch_all_within(
    backend: &SlowBackend,
    keys: &[&str],
    limit: Duration,
) -> Result<Vec<String>, TimedOut> {
    let handles: Vec<_> = keys
        .iter()
        .map(|key| {
            let (backend, key) = (backend.clone(), key.to_string());
            tokio::spawn(async move { backend.call(&key).await })
        })
        .collect();
    let all = async {
        let mut answers = Vec::new();
        for handle in handles {
            answers.extend(handle.await.ok());
        }
        answers
    };
    tokio::time::timeout(limit, all).await.map_err(|_| TimedOut)
}
