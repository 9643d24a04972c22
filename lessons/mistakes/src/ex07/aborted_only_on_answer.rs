//! Wrong: the heartbeat task is aborted once the news is in: right when the poll answers, but a client that hangs up drops the handler before the abort is reached, and that heartbeat beats for ever.

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use lessons::kit::SlowBackend;

use super::{orders, profile};

pub fn router(db: SlowBackend) -> Router {
    Router::new()
        .route("/profile", get(profile))
        .route("/poll", get(poll))
        .route("/orders", get(orders))
        .with_state(db)
}

async fn poll(State(db): State<SlowBackend>) -> String {
    let presence = db.clone();
    let heartbeat = tokio::spawn(async move {
        loop {
            presence.call("heartbeat").await;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let news = db.call("news").await;
    heartbeat.abort();
    news
}
