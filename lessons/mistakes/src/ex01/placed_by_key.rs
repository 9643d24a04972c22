//! Wrong: each spawned call sends back its key with its answer, and the answer is put where that key first appears: right for distinct keys, but a key asked for twice leaves a hole, and a caller gets an empty answer.

use futures::future::join_all;
use lessons::kit::SlowBackend;

pub async fn fetch_all(backend: &SlowBackend, keys: &[&str]) -> Vec<String> {
    let calls = keys
        .iter()
        .map(|key| async move { (*key, backend.call(key).await) });
    let mut answers = vec![String::new(); keys.len()];
    for (key, answer) in join_all(calls).await {
        if let Some(slot) = keys.iter().position(|asked| *asked == key) {
            answers[slot] = answer;
        }
    }
    answers
}
