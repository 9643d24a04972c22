//! Wrong: the heartbeat task checks a token between beats, cancelled by a guard when the poll ends: it does stop, but up to a period later, a task alive after its request under every poll that ends, "a leak that ends after a while".

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use lessons::kit::SlowBackend;
use tokio_util::sync::CancellationToken;

use super::{orders, profile};

pub fn router(db: SlowBackend) -> Router {
    Router::new()
        .route("/profile", get(profile))
        .route("/poll", get(poll))
        .route("/orders", get(orders))
        .with_state(db)
}

async fn poll(State(db): State<SlowBackend>) -> String {
    let done = CancellationToken::new();
    let _stop_beating = done.clone().drop_guard();
    let presence = db.clone();
    tokio::spawn(async move {
        while !done.is_cancelled() {
            presence.call("heartbeat").await;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    db.call("news").await
}
