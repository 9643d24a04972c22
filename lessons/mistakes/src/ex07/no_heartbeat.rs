//! Wrong: the leak "fixed" by deleting the heartbeat: no task outlives the poll, and no user ever shows as online while waiting.

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
    db.call("news").await
}
