//! Wrong: Go style, spawned calls and a channel: fast, but the answers come back in the order the calls finish, so callers get each other's answers.

use lessons::kit::SlowBackend;
use tokio::sync::mpsc;

pub async fn fetch_all(backend: &SlowBackend, keys: &[&str]) -> Vec<String> {
    let (answers_tx, mut answers_rx) = mpsc::channel(keys.len().max(1));
    for key in keys {
        let (backend, key, answers_tx) = (backend.clone(), key.to_string(), answers_tx.clone());
        tokio::spawn(async move { answers_tx.send(backend.call(&key).await).await });
    }
    drop(answers_tx);
    let mut answers = Vec::new();
    while let Some(answer) = answers_rx.recv().await {
        answers.push(answer);
    }
    answers
}
