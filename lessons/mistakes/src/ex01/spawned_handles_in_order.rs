//! Wrong: one spawned task per call, awaited in order: right answers, right speed, but a caller that gives up (a timeout, a client that left) leaves every call running.

use lessons::kit::SlowBackend;

pub async fn fetch_all(backend: &SlowBackend, keys: &[&str]) -> Vec<String> {
    let handles: Vec<_> = keys
        .iter()
        .map(|key| {
            let (backend, key) = (backend.clone(), key.to_string());
            tokio::spawn(async move { backend.call(&key).await })
        })
        .collect();
    let mut answers = Vec::with_capacity(handles.len());
    for handle in handles {
        answers.push(handle.await.expect("a call never panics"));
    }
    answers
}
