//! Exercise 07, the planted leak: answers that look right and are not. Each file
//! writes its own `/poll` (or `/orders`); the routes it does not touch are the ones
//! the exercise gives, here.

use axum::extract::State;
use futures::future::join;
use lessons::kit::SlowBackend;

pub mod aborted_only_on_answer;
pub mod audit_cancelled_with_the_request;
pub mod no_heartbeat;
pub mod stops_a_period_late;

/// The user's profile and settings, read together: as the exercise gives it.
pub async fn profile(State(db): State<SlowBackend>) -> String {
    let (profile, settings) = join(db.call("profile"), db.call("settings")).await;
    format!("{profile}+{settings}")
}

/// The user's orders, the audit record written in the background: as given.
pub async fn orders(State(db): State<SlowBackend>) -> String {
    let audit = db.clone();
    tokio::spawn(async move {
        audit.call("audit orders read").await;
    });
    db.call("orders").await
}
