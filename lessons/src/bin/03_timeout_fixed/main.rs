//! Lesson 03: timeouts whose cancellation reaches the work.
//!
//! The scenarios of lesson 02, fixed four ways. In Rust a future that is dropped is
//! cancelled at its next `.await`, so the fix is to keep the work inside something
//! the timeout drops: the handler's own future (no spawn), a `JoinSet`, an
//! `AbortOnDropHandle`, or, where the work must choose its own stopping point, a
//! `CancellationToken` it watches. After every response: no task alive, no work.
//!
//! * here: the five fixes, for the fan-out and behind the timeout middleware;
//! * `blocking.rs`: work that blocks its thread, which no drop can cancel, under the
//!   same timeout: where it stalls, where it runs on, and how it stops.

mod blocking;

use anyhow::Result;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use futures::future::join_all;
use lessons::kit::{Aftermath, Flags, Narrator, Report, Serve, TestServer, run_lesson};
use lessons::scenarios::timeouts::{
    FIRST_QUERY, KEYS, SECOND_QUERY, Scenario, Step, Watched, run_steps,
};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::timeout;
use tokio_util::sync::CancellationToken;
use tokio_util::task::AbortOnDropHandle;
use tower_http::timeout::TimeoutLayer;
use tracing::{Instrument, debug_span};

const ABOUT: &str = "Lesson 03: the same timeouts, with cancellation that reaches the work";

// ANCHOR: joined
/// Fix 1, no spawn: the calls are futures inside the handler's future. When the
/// timeout drops them, each is cancelled at the `.await` it is waiting on.
/// Fits whenever the work needs no thread of its own: the first choice.
async fn fan_out_joined(State(scenario): State<Scenario>) -> String {
    let calls = join_all(KEYS.map(|key| scenario.backend.call(key)));
    match timeout(scenario.timing.fanout_timeout, calls).await {
        Ok(answers) => answers.join(", "),
        Err(_) => "timeout".to_owned(),
    }
}
// ANCHOR_END: joined

// ANCHOR: join_set
/// Fix 2, a `JoinSet`: tasks that may run on other worker threads, owned by a set
/// that aborts them all when it is dropped, here when the handler returns.
/// Fits CPU-heavy or many-way work that should run in parallel, not just concurrently.
async fn fan_out_join_set(State(scenario): State<Scenario>) -> String {
    let mut calls = JoinSet::new();
    for (index, key) in KEYS.into_iter().enumerate() {
        let backend = scenario.backend.clone();
        let span = debug_span!("task", name = "call", key);
        calls.spawn(async move { (index, backend.call(key).await) }.instrument(span));
    }
    let all = async {
        // Tasks finish in any order; the index puts the answers back in order.
        let mut answers = Vec::new();
        while let Some(answer) = calls.join_next().await {
            answers.extend(answer.ok());
        }
        answers.sort();
        answers
            .into_iter()
            .map(|(_, answer)| answer)
            .collect::<Vec<_>>()
            .join(", ")
    };
    timeout(scenario.timing.fanout_timeout, all)
        .await
        .unwrap_or_else(|_| "timeout".to_owned())
    // `calls` is dropped here: every task still running is aborted.
}
// ANCHOR_END: join_set

// ANCHOR: token
/// Fix 3, the article's own fix: a token passed to every task, which stops at the
/// token's signal. The drop guard cancels the token when the handler ends, on every
/// path out: the answer, the timeout, or being dropped by a middleware.
/// Fits work that must stop at a point of its choosing, or clean up first.
async fn fan_out_token(State(scenario): State<Scenario>) -> String {
    let request_done = CancellationToken::new();
    let _cancel_on_exit = request_done.clone().drop_guard();
    let (answers_tx, mut answers_rx) = mpsc::channel(KEYS.len());
    for key in KEYS {
        let backend = scenario.backend.clone();
        let answers_tx = answers_tx.clone();
        let request_done = request_done.clone();
        let span = debug_span!("task", name = "call", key);
        tokio::spawn(
            async move {
                tokio::select! {
                    answer = backend.call(key) => { let _ = answers_tx.send(answer).await; }
                    // The request is over: drop the call and end the task.
                    () = request_done.cancelled() => {}
                }
            }
            .instrument(span),
        );
    }
    let all = async {
        let mut answers = Vec::new();
        for _ in KEYS {
            answers.extend(answers_rx.recv().await);
        }
        answers.join(", ")
    };
    timeout(scenario.timing.fanout_timeout, all)
        .await
        .unwrap_or_else(|_| "timeout".to_owned())
}
// ANCHOR_END: token

// ANCHOR: user_handlers
/// Fix 4, for the middleware case: the spawned task's handle aborts the task when it
/// is dropped. The middleware drops the handler, the handler drops the handle, the
/// task stops at its `.await`: the second query is never issued.
async fn user_abort_on_drop(State(scenario): State<Scenario>) -> Result<String, StatusCode> {
    let span = debug_span!("task", name = "user");
    let work = AbortOnDropHandle::new(tokio::spawn(
        async move {
            let user = scenario.db.call(FIRST_QUERY).await;
            scenario.db.call(SECOND_QUERY).await;
            user
        }
        .instrument(span),
    ));
    work.await.map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)
}

/// Fix 3 again, for the middleware case: the spawned work watches a token that the
/// handler's drop guard cancels. The work decides where it may stop: here the query
/// it is in is dropped, and the second is never started.
async fn user_token(State(scenario): State<Scenario>) -> Result<String, StatusCode> {
    let request_done = CancellationToken::new();
    let _cancel_on_exit = request_done.clone().drop_guard();
    let span = debug_span!("task", name = "user");
    let work = tokio::spawn(
        async move {
            let user = request_done
                .run_until_cancelled(scenario.db.call(FIRST_QUERY))
                .await?;
            request_done
                .run_until_cancelled(scenario.db.call(SECOND_QUERY))
                .await?;
            Some(user)
        }
        .instrument(span),
    );
    match work.await {
        Ok(Some(user)) => Ok(user),
        _ => Err(StatusCode::INTERNAL_SERVER_ERROR),
    }
}
// ANCHOR_END: user_handlers

fn router(scenario: Scenario) -> Router {
    let timeout = TimeoutLayer::with_status_code(
        StatusCode::REQUEST_TIMEOUT,
        scenario.timing.middleware_timeout,
    );
    let users = Router::new()
        .route("/user/abort_on_drop", get(user_abort_on_drop))
        .route("/user/token", get(user_token))
        .layer(timeout);
    Router::new()
        .route("/fanout/joined", get(fan_out_joined))
        .route("/fanout/join_set", get(fan_out_join_set))
        .route("/fanout/token", get(fan_out_token))
        .merge(users)
        .with_state(scenario)
}

// ANCHOR: drive
const STEPS: [Step; 5] = [
    Step {
        title: "fan-out, joined futures under a timeout: dropped means cancelled",
        path: "/fanout/joined",
        watched: Watched::Backend,
    },
    Step {
        title: "fan-out, a JoinSet: dropping the set aborts its tasks",
        path: "/fanout/join_set",
        watched: Watched::Backend,
    },
    Step {
        title: "fan-out, a token every task watches, cancelled when the handler ends",
        path: "/fanout/token",
        watched: Watched::Backend,
    },
    Step {
        title: "timeout middleware, spawned work behind an AbortOnDropHandle",
        path: "/user/abort_on_drop",
        watched: Watched::Db,
    },
    Step {
        title: "timeout middleware, spawned work watching a token",
        path: "/user/token",
        watched: Watched::Db,
    },
];

async fn demo(flags: &Flags, narrator: &Narrator) -> Result<Report> {
    let scenario = Scenario::new(flags, narrator);
    let server = TestServer::start(router(scenario.clone())).await?;
    let aftermaths = run_steps(&server, &scenario, &STEPS, narrator).await?;
    server.shutdown().await?;
    let blocking = blocking::scenes(flags, narrator, scenario.timing.middleware_timeout).await?;

    let sum = |figure: fn(&Aftermath) -> usize| aftermaths.iter().map(figure).sum::<usize>();
    let slowest_response = aftermaths
        .iter()
        .map(|a| a.responded)
        .max()
        .unwrap_or_default();
    let timeouts = aftermaths
        .iter()
        .filter(|a| a.body == "timeout" || a.status == StatusCode::REQUEST_TIMEOUT)
        .count();
    Ok(Report::new()
        .with("fixes", STEPS.len())
        .with("timed_out", timeouts)
        .with("slowest_response_ms", slowest_response.as_millis())
        .with("leaked_tasks", sum(|a| a.leaked_tasks))
        .with("work_after_response", sum(|a| a.finished_after_response))
        .with("second_query", sum(|a| a.started_after_response))
        .with("calls_cancelled", sum(|a| a.cancelled))
        .with("blocked_status", blocking.inline.status.as_u16())
        .with("blocked_answered_ms", blocking.inline.answered_ms)
        .with("stalled_request_ms", blocking.inline.ping_ms)
        .with("spawned_status", blocking.spawned.status.as_u16())
        .with("spawned_answered_ms", blocking.spawned.answered_ms)
        .with(
            "blocking_work_after_response_ms",
            blocking.spawned.work_after_response_ms,
        )
        .with("token_status", blocking.token.status.as_u16())
        .with("token_answered_ms", blocking.token.answered_ms)
        .with("stopped_within_ms", blocking.token.work_after_response_ms))
}
// ANCHOR_END: drive

#[tokio::main]
async fn main() -> Result<()> {
    run_lesson(ABOUT, demo, |flags, narrator| Serve {
        router: router(Scenario::new(flags, narrator)),
        routes: STEPS.iter().map(|step| step.path).collect(),
        on_shutdown: None,
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_fix_times_out_and_leaves_nothing_running() {
        let report = demo(&Flags::for_test(7), &Narrator::quiet()).await.unwrap();
        assert_eq!(report.number("timed_out"), STEPS.len() as u64, "{report}");
        assert_eq!(report.number("leaked_tasks"), 0, "{report}");
        assert_eq!(report.number("work_after_response"), 0, "{report}");
        assert_eq!(report.number("second_query"), 0, "{report}");
        // 4 calls in each of the 3 fan-outs, the first query in each middleware case.
        assert_eq!(report.number("calls_cancelled"), 3 * 4 + 2, "{report}");
    }

    #[tokio::test]
    async fn blocking_work_stalls_runs_on_or_stops_within_a_step() {
        let report = demo(&Flags::for_test(7), &Narrator::quiet()).await.unwrap();
        // Inline, the timeout never fired: the handler's one poll lasted all the work.
        assert_eq!(report.number("blocked_status"), 200, "{report}");
        assert!(report.number("blocked_answered_ms") >= 360, "{report}");
        // The ping, sent 60 ms in, waited for most of the 360 ms of steps.
        assert!(report.number("stalled_request_ms") >= 200, "{report}");
        // On a blocking thread, 408 on time, and the steps ran on after it...
        assert_eq!(report.number("spawned_status"), 408, "{report}");
        assert!(
            report.number("spawned_answered_ms") < report.number("blocked_answered_ms"),
            "{report}"
        );
        // ...where the token stops them within a step (30 ms; twice that for a busy machine).
        assert_eq!(report.number("token_status"), 408, "{report}");
        assert!(report.number("stopped_within_ms") <= 60, "{report}");
        assert!(
            report.number("blocking_work_after_response_ms")
                > report.number("stopped_within_ms") + 30,
            "{report}"
        );
    }

    /// Fix 2 with the fix removed: the same JoinSet, its tasks detached before the
    /// handler returns (what handing them to `tokio::spawn` amounts to). Measured the
    /// way the demo measures the fixes, the figures it reports as 0 come out 4.
    async fn fan_out_join_set_detached(State(scenario): State<Scenario>) -> String {
        let mut calls = JoinSet::new();
        for key in KEYS {
            let backend = scenario.backend.clone();
            calls.spawn(async move { backend.call(key).await });
        }
        let all = async { while calls.join_next().await.is_some() {} };
        let answer = timeout(scenario.timing.fanout_timeout, all).await;
        calls.detach_all();
        answer.map_or("timeout".to_owned(), |()| "answers".to_owned())
    }

    #[tokio::test]
    async fn with_its_tasks_detached_the_join_set_leaves_work_running() {
        let flags = Flags::for_test(7);
        let scenario = Scenario::new(&flags, &Narrator::quiet());
        let router = Router::new()
            .route("/fanout/detached", get(fan_out_join_set_detached))
            .with_state(scenario.clone());
        let server = TestServer::start(router).await.unwrap();
        let step = Step {
            title: "fan-out, a JoinSet whose tasks are detached",
            path: "/fanout/detached",
            watched: Watched::Backend,
        };
        let aftermaths = run_steps(&server, &scenario, &[step], &Narrator::quiet())
            .await
            .unwrap();
        server.shutdown().await.unwrap();
        let after = &aftermaths[0];
        assert_eq!(after.body, "timeout");
        assert_eq!(
            after.finished_after_response,
            KEYS.len(),
            "every call ran on"
        );
        assert_eq!(after.cancelled, 0);
    }
}
