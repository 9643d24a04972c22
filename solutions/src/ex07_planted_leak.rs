//! Solution to exercise 07: the heartbeat of `/poll` lived forever; now it lives
//! exactly as long as the poll.

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use futures::future::join;
use lessons::kit::SlowBackend;

// ANCHOR: solution
/// The server: `db` is its database and presence service.
pub fn router(db: SlowBackend) -> Router {
    Router::new()
        .route("/profile", get(profile))
        .route("/poll", get(poll))
        .route("/orders", get(orders))
        .with_state(db)
}

/// The user's profile and settings, read together.
async fn profile(State(db): State<SlowBackend>) -> String {
    let (profile, settings) = join(db.call("profile"), db.call("settings")).await;
    format!("{profile}+{settings}")
}

/// A long poll: waits for news (about a second), and while it waits tells the
/// presence service every 100 ms that the user is online.
async fn poll(State(db): State<SlowBackend>) -> String {
    // The heartbeat loop never ends by itself, so it must not be spawned on its own:
    // racing it against the news ties it to the poll. When the news arrives, or the
    // client hangs up and the handler is dropped, the heartbeat is dropped too.
    let heartbeat = async {
        loop {
            db.call("heartbeat").await;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::select! {
        news = db.call("news") => news,
        never = heartbeat => never,
    }
}

/// The user's orders; the audit record is written in the background.
async fn orders(State(db): State<SlowBackend>) -> String {
    let audit = db.clone();
    tokio::spawn(async move {
        audit.call("audit orders read").await;
    });
    db.call("orders").await
}
// ANCHOR_END: solution
