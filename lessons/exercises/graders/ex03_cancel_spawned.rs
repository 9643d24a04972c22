//! Grader for exercise 03: `run_in_task` spawns work that stops with its caller.
//!
//! Shared by the exercise, the solution and the known mistakes (see `ex01_fan_out.rs`).
//! One test puts `run_in_task` behind tower-http's timeout, as lesson 03 does, and
//! drives the router in-process (no socket), so that paused time stays exact.
//!
//! The classes of half-right answers, and where each is caught:
//! * dropped by its caller: the subject of the exercise, graded three ways: a plain
//!   timeout, tower-http's `TimeoutLayer`, and a hundred callers dropped at once;
//! * many threads: on the multi-thread runtime the task runs on another worker, and
//!   the abort must still reach it (`dropping_the_caller_aborts_the_task_on_many_threads`);
//! * the contract: a panic comes back as an error, never as a panic in the caller;
//! * right eventually: the task must be gone at once, not after its work ends.
//!
//! Not applicable: shutdown and slow peers (there is no service and no socket).

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use futures::FutureExt;
use lessons::kit::grading::{let_tasks_run, paused, threaded, within};
use lessons::kit::{Latency, Narrator, SlowBackend, TaskGauge, ms};
use tower::ServiceExt;
use tower_http::timeout::TimeoutLayer;

use super::subject::run_in_task;

const LIMIT: Duration = Duration::from_secs(5);
const STUCK: &str = "run_in_task never returned: does it await the task it spawned?";

fn db() -> SlowBackend {
    let latencies = [("SELECT user", ms(150)), ("UPDATE last_seen", ms(50))];
    SlowBackend::new("db", Latency::per_key(latencies), &Narrator::quiet())
}

#[test]
fn returns_what_the_work_returns() {
    paused(|| async {
        let output = within(LIMIT, "run_in_task", STUCK, run_in_task(async { 6 * 7 })).await;
        assert_eq!(
            output.ok(),
            Some(42),
            "run_in_task should hand back the work's output"
        );
    });
}

#[test]
fn runs_the_work_in_a_task_of_its_own() {
    paused(|| async {
        // The test body is not a tokio task: only spawned work has a task id.
        let id = within(
            LIMIT,
            "run_in_task",
            STUCK,
            run_in_task(async { tokio::task::try_id() }),
        )
        .await;
        assert!(
            matches!(id, Ok(Some(_))),
            "the work ran on the caller, not in a task of its own: spawn it (tokio::spawn)"
        );
    });
}

#[test]
fn dropping_the_caller_aborts_the_task() {
    paused(|| async {
        let db = db();
        let gauge = TaskGauge::new();
        let call = {
            let db = db.clone();
            run_in_task(async move { db.call("SELECT user").await })
        };
        // The caller gives up after 10 ms, as a timeout would: its future is dropped.
        let gave_up = tokio::time::timeout(ms(10), call).await.is_err();
        assert!(gave_up, "a 150 ms call cannot finish within 10 ms");
        let_tasks_run().await;
        tokio::time::sleep(ms(300)).await;
        let stats = db.stats();
        assert_eq!(
            (stats.finished, stats.cancelled),
            (0, 1),
            "the caller stopped waiting, yet the task ran on and finished its call. A dropped \
             JoinHandle detaches its task; tokio_util's AbortOnDropHandle aborts it. {stats:?}"
        );
        assert_eq!(
            gauge.settle(ms(2)).await,
            0,
            "a task is still alive after its caller left"
        );
    });
}

#[test]
fn a_panic_comes_back_as_an_error() {
    paused(|| async {
        let call = run_in_task(async { panic!("the work failed") });
        let outcome = within(
            LIMIT,
            "run_in_task",
            STUCK,
            AssertUnwindSafe(call).catch_unwind(),
        )
        .await;
        let Ok(outcome) = outcome else {
            panic!(
                "the work's panic came out of run_in_task as a panic in the caller: one failed \
                 job would crash the handler that asked for it. Return it as the Err(JoinError) \
                 that awaiting the task gives (is_panic() is true), so the caller can answer 500."
            );
        };
        assert!(
            outcome.as_ref().is_err_and(|error| error.is_panic()),
            "a panic in the work should come back as Err(JoinError) with is_panic()"
        );
    });
}

#[test]
fn a_hundred_dropped_callers_leave_no_task() {
    paused(|| async {
        let db = db();
        let gauge = TaskGauge::new();
        let calls = (0..100).map(|_| {
            let db = db.clone();
            run_in_task(async move { db.call("SELECT user").await })
        });
        let all = futures::future::join_all(calls);
        assert!(
            tokio::time::timeout(ms(10), all).await.is_err(),
            "150 ms calls, dropped at 10 ms"
        );
        let_tasks_run().await;
        tokio::time::sleep(ms(300)).await;
        let stats = db.stats();
        assert_eq!(
            (stats.finished, stats.cancelled),
            (0, 100),
            "100 callers left at 10 ms; every task should have been aborted with them. {stats:?}"
        );
        assert_eq!(
            gauge.settle(ms(2)).await,
            0,
            "tasks are still alive after their callers left"
        );
    });
}

#[test]
fn dropping_the_caller_aborts_the_task_on_many_threads() {
    threaded(|| async {
        // Real time here: the task runs on another worker thread than its caller.
        let db = SlowBackend::new("db", Latency::Fixed(ms(200)), &Narrator::quiet());
        let call = {
            let db = db.clone();
            run_in_task(async move { db.call("SELECT user").await })
        };
        assert!(
            tokio::time::timeout(ms(20), call).await.is_err(),
            "a 200 ms call, dropped at 20 ms"
        );
        tokio::time::sleep(ms(300)).await;
        let stats = db.stats();
        assert_eq!(
            (stats.finished, stats.cancelled),
            (0, 1),
            "on the multi-thread runtime the caller left at 20 ms and the task still finished \
             its 200 ms call: dropping the caller must abort the task wherever it runs. {stats:?}"
        );
    });
}

/// Lesson 03's handler: two queries in a spawned task, behind a 100 ms timeout.
async fn user(State(db): State<SlowBackend>) -> Result<String, StatusCode> {
    run_in_task(async move {
        let user = db.call("SELECT user").await;
        db.call("UPDATE last_seen").await;
        user
    })
    .await
    .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)
}

#[test]
fn a_timeout_middleware_stops_the_second_query() {
    paused(|| async {
        let db = db();
        let gauge = TaskGauge::new();
        let router = Router::new()
            .route("/user", get(user))
            .layer(TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                ms(100),
            ))
            .with_state(db.clone());
        let request = Request::get("/user")
            .body(Body::empty())
            .expect("a valid request");
        let response = within(LIMIT, "GET /user", STUCK, router.oneshot(request))
            .await
            .expect("axum routers never fail");
        assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);

        tokio::time::sleep(ms(500)).await;
        let stats = db.stats();
        assert_eq!(
            stats.started, 1,
            "the 408 went out, and then the second query was issued anyway: the handler's \
             task outlived the request (lesson 02). {stats:?}"
        );
        assert_eq!(
            gauge.settle(ms(2)).await,
            0,
            "a task is still alive after the 408"
        );
    });
}
