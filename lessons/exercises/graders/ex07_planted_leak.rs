//! Grader for exercise 07: the planted leak is gone, and every route still works.
//!
//! Shared by the exercise, the solution and the known mistakes (see `ex01_fan_out.rs`).
//! The router is driven in-process (no socket) on paused time, so "five seconds
//! later" is exact and instant.
//!
//! The classes of half-right answers, and where each is caught:
//! * dropped by its caller: a client that hangs up mid-poll
//!   (`no_task_outlives_a_client_that_left`);
//! * right eventually, wrong now: the heartbeat must be gone the moment the poll ends,
//!   not a period later (`the_heartbeat_ends_with_the_poll_not_a_period_later`);
//! * the contract: the audit record must be written even when the client leaves: work
//!   that must always happen is not cancelled with the request
//!   (`the_audit_record_is_written_even_when_the_client_leaves`);
//! * the demo's sizes: thirty requests on every route, then twenty polls at once.
//!
//! Not applicable: races between threads (each handler's tasks are its own; the
//! router shares only the backend's atomic counters), shutdown (the router has no
//! background work of its own), slow peers (no socket).

use std::time::Duration;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use lessons::kit::grading::{paused, within};
use lessons::kit::{Latency, Narrator, SlowBackend, TaskGauge, ms};
use tower::ServiceExt;

use super::subject::router;

const ROUTES: [&str; 3] = ["/profile", "/poll", "/orders"];
const LIMIT: Duration = Duration::from_secs(10);

fn db() -> SlowBackend {
    let latencies = [("news", Duration::from_secs(1)), ("heartbeat", ms(5))];
    SlowBackend::new(
        "db",
        Latency::per_key_or(latencies, ms(20)),
        &Narrator::quiet(),
    )
}

/// Sends `GET path` to `app` and returns the status and body.
async fn get(app: &Router, path: &str) -> (StatusCode, String) {
    let request = Request::get(path)
        .body(Body::empty())
        .expect("a valid request");
    let response = within(
        LIMIT,
        path,
        "the route never answered",
        app.clone().oneshot(request),
    )
    .await
    .expect("axum routers never fail");
    let status = response.status();
    let body = to_bytes(response.into_body(), 1 << 16)
        .await
        .expect("a small body");
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[test]
fn every_route_still_answers() {
    paused(|| async {
        let app = router(db());
        assert_eq!(
            get(&app, "/profile").await,
            (StatusCode::OK, "profile+settings".to_owned())
        );
        assert_eq!(
            get(&app, "/poll").await,
            (StatusCode::OK, "news".to_owned())
        );
        assert_eq!(
            get(&app, "/orders").await,
            (StatusCode::OK, "orders".to_owned())
        );
    });
}

#[test]
fn no_task_outlives_the_load() {
    paused(|| async {
        let db = db();
        let app = router(db.clone());
        let gauge = TaskGauge::new();
        for _ in 0..10 {
            for path in ROUTES {
                get(&app, path).await;
            }
        }
        tokio::time::sleep(Duration::from_secs(5)).await;
        let left = gauge.settle(ms(2)).await;
        let heartbeats = db.started_for("heartbeat");
        tokio::time::sleep(Duration::from_secs(5)).await;
        let more = db.started_for("heartbeat") - heartbeats;
        assert!(
            left == 0 && more == 0,
            "5 s after 30 requests had all been answered, {left} tasks were still alive, and \
             in the next 5 s the presence service got {more} more heartbeats: something a \
             handler spawned never ends. Which spawned loop has no exit?"
        );
    });
}

#[test]
fn no_task_outlives_a_client_that_left() {
    paused(|| async {
        let db = db();
        let app = router(db.clone());
        let gauge = TaskGauge::new();
        let request = Request::get("/poll")
            .body(Body::empty())
            .expect("a valid request");
        // The client hangs up after 300 ms: the handler's future is dropped.
        let left_early = tokio::time::timeout(ms(300), app.oneshot(request))
            .await
            .is_err();
        assert!(
            left_early,
            "a poll takes a second; it cannot have answered within 300 ms"
        );
        tokio::time::sleep(Duration::from_secs(5)).await;
        let heartbeats = db.started_for("heartbeat");
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert_eq!(
            db.started_for("heartbeat"),
            heartbeats,
            "the client left, yet the heartbeats went on: the heartbeat must end when the \
             poll's handler is dropped, not only when it answers"
        );
        assert_eq!(
            gauge.settle(ms(2)).await,
            0,
            "a task is still alive after the client left"
        );
    });
}

#[test]
fn the_poll_keeps_the_user_online_while_it_waits() {
    paused(|| async {
        let db = db();
        let app = router(db.clone());
        get(&app, "/poll").await;
        let heartbeats = db.started_for("heartbeat");
        assert!(
            heartbeats >= 9,
            "a one-second poll should send a heartbeat about every 100 ms; it sent \
             {heartbeats}. The heartbeat is part of what /poll does: keep it, tie it to the poll."
        );
    });
}

#[test]
fn the_heartbeat_ends_with_the_poll_not_a_period_later() {
    paused(|| async {
        let db = db();
        let app = router(db.clone());
        let gauge = TaskGauge::new();
        let polls = (0..20).map(|_| get(&app, "/poll"));
        futures::future::join_all(polls).await;
        // At once: not after the next beat is due.
        let left = gauge.settle(ms(1)).await;
        assert_eq!(
            left, 0,
            "20 polls had just answered and {left} tasks were still alive: a heartbeat that \
             checks a flag between beats does stop, up to a period later, and under load those \
             periods add up to a leak. Tie the heartbeat to the poll itself (select! it against \
             the news, or abort it on drop) so that it ends the moment the poll does."
        );
    });
}

#[test]
fn the_audit_record_is_written_even_when_the_client_leaves() {
    paused(|| async {
        let db = db();
        let app = router(db.clone());
        let request = Request::get("/orders")
            .body(Body::empty())
            .expect("a valid request");
        // The client hangs up after 5 ms, before the orders (20 ms) are read.
        let left_early = tokio::time::timeout(ms(5), app.oneshot(request))
            .await
            .is_err();
        assert!(
            left_early,
            "the orders take 20 ms; they cannot be read within 5 ms"
        );
        tokio::time::sleep(ms(100)).await;
        let audits = db.started_for("audit orders read");
        let stats = db.stats();
        assert!(
            audits == 1 && stats.cancelled == 1,
            "the client left /orders early; the read of the orders may stop with it, but the \
             audit record must still be written: {audits} audit calls started, {} calls \
             cancelled (expected 1 audit written, 1 cancelled: the orders). Not every spawned \
             task is a leak: the audit task ends by itself, and it must not be tied to the \
             request. {stats:?}",
            stats.cancelled
        );
    });
}
