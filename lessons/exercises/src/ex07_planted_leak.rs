//! Exercise 07 (lesson `12_leak_hunt`): find the leak and fix it.
//!
//! This little server works: every route answers right. But under load its task count
//! climbs and never comes back down. Find the route that leaks (lesson 12's diff of
//! two task listings is one way; reading each `spawn` and asking "what ends this
//! task?" is another), and fix it without changing what any route does.
//! Grade it with `cargo test -p exercises --test ex07_planted_leak`.

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use futures::future::join;
use lessons::kit::SlowBackend;

// ANCHOR: exercise
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
    let presence = db.clone();
    tokio::spawn(async move {
        loop {
            presence.call("heartbeat").await;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    db.call("news").await
}

/// The user's orders; the audit record is written in the background.
async fn orders(State(db): State<SlowBackend>) -> String {
    let audit = db.clone();
    tokio::spawn(async move {
        audit.call("audit orders read").await;
    });
    db.call("orders").await
}
// ANCHOR_END: exercise
