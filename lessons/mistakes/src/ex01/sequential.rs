//! Wrong: each call is awaited before the next starts, so a request takes the sum of the latencies, not the slowest.

use lessons::kit::SlowBackend;

pub async fn fetch_all(backend: &SlowBackend, keys: &[&str]) -> Vec<String> {
    let mut answers = Vec::new();
    for key in keys {
        answers.push(backend.call(key).await);
    }
    answers
}
