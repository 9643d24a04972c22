//! Wrong: the leak hunted down everywhere, the audit record included: its task now dies with the request, so a client that hangs up early leaves no audit record of the read it made.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use lessons::kit::SlowBackend;
use tokio_util::task::AbortOnDropHandle;

use super::profile;

pub fn router(db: SlowBackend) -> Router {
    Router::new()
        .route("/profile", get(profile))
        .route("/poll", get(poll))
        .route("/orders", get(orders))
        .with_state(db)
}

/// The poll fixed as the reference solution fixes it.
async fn poll(State(db): State<SlowBackend>) -> String {
    let heartbeat = async {
        loop {
            db.call("heartbeat").await;
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    };
    tokio::select! {
        news = db.call("news") => news,
        never = heartbeat => never,
    }
}

async fn orders(State(db): State<SlowBackend>) -> String {
    let audit = db.clone();
    let _audit = AbortOnDropHandle::new(tokio::spawn(async move {
        audit.call("audit orders read").await;
    }));
    db.call("orders").await
}
