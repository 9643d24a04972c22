//! Lesson 00: the in-process test server.
//!
//! Go checks a handler with `httptest.NewServer`: a real server on a free loopback
//! port, a real client, closed when the test ends. Every lesson here starts that way:
//! an axum router served on 127.0.0.1:0, called with reqwest, shut down at the end,
//! with no task left behind.

use anyhow::Result;
use axum::Router;
use axum::routing::get;
use lessons::kit::{Flags, Narrator, Report, Serve, TaskGauge, TestServer, ms, run_lesson};
use tokio::time::Instant;

const ABOUT: &str = "Lesson 00: an axum server in-process on 127.0.0.1:0, called with reqwest";

// ANCHOR: router
/// The whole application: one route that says hello.
fn router() -> Router {
    Router::new().route("/", get(hello))
}

async fn hello() -> &'static str {
    "Hello, World."
}
// ANCHOR_END: router

// ANCHOR: demo
/// Starts the server, calls it once, shuts it down, and measures each step.
async fn demo(_flags: &Flags, narrator: &Narrator) -> Result<Report> {
    let gauge = TaskGauge::new();

    let server = TestServer::start(router()).await?;
    narrator.say("server", format!("listening on {}", server.url("/")));
    let tasks_while_serving = gauge.above_baseline();

    narrator.say("client", "-> GET /");
    let sent = Instant::now();
    let (status, body) = server.get("/").await?;
    let round_trip = sent.elapsed();
    narrator.say("client", format!("<- {status} {body:?}"));

    server.shutdown().await?;
    // The server task and the connection's task end; nothing of the server is left.
    let tasks_after_shutdown = gauge.settle(ms(500)).await;
    narrator.say(
        "server",
        format!("shut down; tasks left above the baseline: {tasks_after_shutdown}"),
    );

    Ok(Report::new()
        .with("status", status.as_u16())
        .with("body_bytes", body.len())
        .with("round_trip_ms", round_trip.as_millis())
        .with("tasks_while_serving", tasks_while_serving)
        .with("tasks_after_shutdown", tasks_after_shutdown))
}
// ANCHOR_END: demo

#[tokio::main]
async fn main() -> Result<()> {
    run_lesson(ABOUT, demo, |_, _| Serve {
        router: router(),
        routes: vec!["/"],
        on_shutdown: None,
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_server_answers_and_leaves_nothing_behind() {
        let report = demo(&Flags::for_test(7), &Narrator::quiet()).await.unwrap();
        assert_eq!(report.number("status"), 200, "{report}");
        assert_eq!(report.number("body_bytes"), "Hello, World.".len() as u64);
        assert!(
            report.number("tasks_while_serving") >= 1,
            "the server runs as a task: {report}"
        );
        assert_eq!(report.number("tasks_after_shutdown"), 0, "{report}");
    }
}
