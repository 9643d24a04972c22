//! Lesson 02: a timeout that answers, while the work goes on.
//!
//! Two ways to time out a request and stop nothing. First the context article's
//! handler: four spawned calls, a collector, and a `select!` that answers "timeout"
//! after 50 ms while the calls run on and finish unseen; then the article's own fix,
//! which stops the collector and not the calls. Then the gin-timeout
//! article's middleware, in tower: it answers 408 and drops the handler, which in Rust
//! does cancel it, unless the handler spawned its work: then the second query is
//! still issued after the 408.

use anyhow::Result;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use lessons::kit::{Flags, Narrator, Report, Serve, TestServer, run_lesson};
use lessons::scenarios::timeouts::{
    FIRST_QUERY, KEYS, SECOND_QUERY, Scenario, Step, Watched, run_steps,
};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tower_http::timeout::TimeoutLayer;
use tracing::{Instrument, debug_span};

const ABOUT: &str = "Lesson 02: timeouts that answer on time and leave the work running";

// ANCHOR: fanout_leak
/// The article's handler, in Rust: a task per call, a collector task, and a race
/// between the collected answers and a timer.
async fn fan_out_with_timeout(State(scenario): State<Scenario>) -> String {
    let (answers_tx, mut answers_rx) = mpsc::channel(KEYS.len());
    for key in KEYS {
        let backend = scenario.backend.clone();
        let answers_tx = answers_tx.clone();
        // LEAK: this task outlives the response: nothing holds its handle, nothing
        // tells it that the answer is no longer wanted.
        let span = debug_span!("task", name = "call", key);
        tokio::spawn(
            async move {
                let answer = backend.call(key).await;
                let _ = answers_tx.send(answer).await;
            }
            .instrument(span),
        );
    }
    let (all_tx, all_rx) = oneshot::channel();
    // LEAK: so does the collector: it waits for all four answers whatever happens.
    let span = debug_span!("task", name = "collector");
    tokio::spawn(
        async move {
            let mut answers = Vec::new();
            for _ in KEYS {
                answers.extend(answers_rx.recv().await);
            }
            // Go's collector would block here forever on an unbuffered channel; a tokio
            // oneshot just reports that nobody is listening, so this task ends, late.
            let _ = all_tx.send(answers.join(", "));
        }
        .instrument(span),
    );

    tokio::select! {
        Ok(answers) = all_rx => answers,
        _ = tokio::time::sleep(scenario.timing.fanout_timeout) => "timeout".to_owned(),
    }
}
// ANCHOR_END: fanout_leak

// ANCHOR: article_fix
/// The context article's own fix, line for line: the collector watches a deadline and
/// gives up with the handler; the four calls do not watch it.
async fn fan_out_article_fix(State(scenario): State<Scenario>) -> String {
    // Go's `ctx, cancel := context.WithTimeout(context.Background(), ...)` and
    // `defer cancel()`: a signal of the handler's own, fired when the handler ends.
    let handler_done = CancellationToken::new();
    let _cancel_on_exit = handler_done.clone().drop_guard();
    // The closest to Go's unbuffered `c`: room for one answer.
    let (answers_tx, mut answers_rx) = mpsc::channel(1);
    for key in KEYS {
        let backend = scenario.backend.clone();
        let answers_tx = answers_tx.clone();
        // LEAK: as in the article, the calls are not told: they run to their end.
        let span = debug_span!("task", name = "call", key);
        tokio::spawn(
            async move {
                let answer = backend.call(key).await;
                // Go's `c <- answer` blocks for ever once nobody reads `c`. Here the
                // collector has dropped the receiver, so the send fails at once and
                // the task ends: late, but it ends.
                let _ = answers_tx.send(answer).await;
            }
            .instrument(span),
        );
    }
    let (all_tx, all_rx) = oneshot::channel();
    let collector_stop = handler_done.clone();
    let span = debug_span!("task", name = "collector");
    tokio::spawn(
        async move {
            let mut answers = Vec::new();
            for _ in KEYS {
                tokio::select! {
                    Some(answer) = answers_rx.recv() => answers.push(answer),
                    // The article's one change: the collector stops with the handler.
                    () = collector_stop.cancelled() => return,
                }
            }
            let _ = all_tx.send(answers.join(", "));
        }
        .instrument(span),
    );

    tokio::select! {
        Ok(answers) = all_rx => answers,
        _ = tokio::time::sleep(scenario.timing.fanout_timeout) => "timeout".to_owned(),
    }
}
// ANCHOR_END: article_fix

// ANCHOR: user_handlers
/// The gin article's handler, awaited directly: read the user, then record the visit.
async fn user_awaited(State(scenario): State<Scenario>) -> String {
    let user = scenario.db.call(FIRST_QUERY).await;
    scenario.db.call(SECOND_QUERY).await;
    user
}

/// The same work, spawned and awaited: a common shape when work must be `'static`
/// or run on another worker thread.
async fn user_spawned(State(scenario): State<Scenario>) -> Result<String, StatusCode> {
    // LEAK: the timeout drops this JoinHandle, and dropping a JoinHandle detaches
    // the task: it runs on after the 408 and issues the second query.
    let span = debug_span!("task", name = "user");
    let work = tokio::spawn(
        async move {
            let user = scenario.db.call(FIRST_QUERY).await;
            scenario.db.call(SECOND_QUERY).await;
            user
        }
        .instrument(span),
    );
    work.await.map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)
}
// ANCHOR_END: user_handlers

// ANCHOR: router
fn router(scenario: Scenario) -> Router {
    // tower-http's timeout answers 408 and drops the handler's future.
    let timeout = TimeoutLayer::with_status_code(
        StatusCode::REQUEST_TIMEOUT,
        scenario.timing.middleware_timeout,
    );
    let users = Router::new()
        .route("/user/awaited", get(user_awaited))
        .route("/user/spawned", get(user_spawned))
        .layer(timeout);
    Router::new()
        .route("/fanout", get(fan_out_with_timeout))
        .route("/fanout/article-fix", get(fan_out_article_fix))
        .merge(users)
        .with_state(scenario)
}
// ANCHOR_END: router

// ANCHOR: drive
const STEPS: [Step; 4] = [
    Step {
        title: "fan-out with select! and a timer: \"timeout\" on time, the calls go on",
        path: "/fanout",
        watched: Watched::Backend,
    },
    Step {
        title: "the article's fix: the collector stops at the deadline, the calls go on",
        path: "/fanout/article-fix",
        watched: Watched::Backend,
    },
    Step {
        title: "timeout middleware, queries awaited: the handler is dropped, so cancelled",
        path: "/user/awaited",
        watched: Watched::Db,
    },
    Step {
        title: "timeout middleware, queries in a spawned task: 408, then the second query",
        path: "/user/spawned",
        watched: Watched::Db,
    },
];

async fn demo(flags: &Flags, narrator: &Narrator) -> Result<Report> {
    let scenario = Scenario::new(flags, narrator);
    let server = TestServer::start(router(scenario.clone())).await?;
    let [fanout, article_fix, awaited, spawned] = run_steps(&server, &scenario, &STEPS, narrator)
        .await?
        .try_into()
        .expect("one aftermath per step");
    server.shutdown().await?;

    Ok(Report::new()
        .with("responded_ms", fanout.responded.as_millis())
        .with("body", &fanout.body)
        .with("leaked_tasks", fanout.leaked_tasks)
        .with("work_after_response", fanout.finished_after_response)
        .with("article_fix_leaked_tasks", article_fix.leaked_tasks)
        .with(
            "article_fix_work_after_response",
            article_fix.finished_after_response,
        )
        .with("article_fix_left_for_good", article_fix.left_for_good)
        .with("middleware_status", spawned.status.as_u16())
        .with("awaited_second_query", awaited.started_after_response)
        .with("awaited_leaked_tasks", awaited.leaked_tasks)
        .with("spawned_second_query", spawned.started_after_response)
        .with("spawned_leaked_tasks", spawned.leaked_tasks))
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
    async fn the_timeouts_answer_while_the_work_goes_on() {
        let report = demo(&Flags::for_test(7), &Narrator::quiet()).await.unwrap();
        assert_eq!(report.get("body"), Some("timeout"), "{report}");
        // The four calls and the collector, all still running after the response.
        assert_eq!(report.number("leaked_tasks"), 5, "{report}");
        assert_eq!(report.number("work_after_response"), 4, "{report}");
        // The article's fix stops the collector only: the four calls run on, and end
        // when their send finds the receiver gone.
        assert_eq!(report.number("article_fix_leaked_tasks"), 4, "{report}");
        assert_eq!(
            report.number("article_fix_work_after_response"),
            4,
            "{report}"
        );
        assert_eq!(report.number("article_fix_left_for_good"), 0, "{report}");

        assert_eq!(report.number("middleware_status"), 408, "{report}");
        // Awaited queries are dropped with the handler...
        assert_eq!(report.number("awaited_second_query"), 0, "{report}");
        assert_eq!(report.number("awaited_leaked_tasks"), 0, "{report}");
        // ...spawned ones run on and issue the second query after the 408.
        assert_eq!(report.number("spawned_second_query"), 1, "{report}");
        assert_eq!(report.number("spawned_leaked_tasks"), 1, "{report}");
    }
}
