//! What happens after the response: the measurement lessons 02 and 03 share.
//!
//! A client sees a response and moves on; the question these lessons ask is what the
//! server is still doing. One request is sent, and from the moment its response
//! arrives we watch the backend and the task count: tasks still alive, backend calls
//! that finished (work nobody will read) and calls that started (work nobody asked
//! for) after the response.

use std::time::Duration;

use reqwest::StatusCode;
use tokio::time::Instant;

use super::{Narrator, SlowBackend, TaskGauge, TestServer, ms};

/// How long the server may take to close a finished request's connection. The
/// client closes it as soon as it has the response; this bound only matters if the
/// server is stuck.
const CONNECTION_CLOSE_LIMIT: Duration = ms(2000);

/// Once a task has finished its work, the runtime still has to reap it: a moment on
/// an idle machine, a few milliseconds on a busy one. Tasks alive after this are
/// still doing something: a leak. (The wait ends as soon as the count is back down.)
const TASK_REAP_GRACE: Duration = ms(10);

/// One request and what the server did after answering it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aftermath {
    /// The response status.
    pub status: StatusCode,
    /// The response body.
    pub body: String,
    /// Time from sending the request to having the whole response.
    pub responded: Duration,
    /// Tasks alive beyond the baseline once the response was in and its connection closed.
    pub leaked_tasks: usize,
    /// Tasks still alive once the leftover work had its time to end: left for good.
    pub left_for_good: usize,
    /// Backend calls that finished after the response: work whose answer nobody reads.
    pub finished_after_response: usize,
    /// Backend calls that started after the response: work nobody is waiting for.
    pub started_after_response: usize,
    /// Backend calls cancelled (their future dropped), from sending to settling.
    pub cancelled: usize,
}

/// Sends `GET path`, then watches for up to `linger` while whatever the handler left
/// behind runs its course, narrating it, and measures it all.
///
/// `gauge` must have taken its baseline after the server started.
///
/// ```
/// use axum::{Router, routing::get};
/// use lessons::kit::{Latency, Narrator, SlowBackend, TaskGauge, TestServer, ms, watch_request};
///
/// # #[tokio::main] async fn main() -> anyhow::Result<()> {
/// let db = SlowBackend::new("db", Latency::Fixed(ms(50)), &Narrator::quiet());
/// let spawns = db.clone();
/// // A handler that answers at once and leaves its query running on a task.
/// let handler = move || {
///     let db = spawns.clone();
///     async move {
///         tokio::spawn(async move { db.call("report").await });
///         "queued"
///     }
/// };
/// let server = TestServer::start(Router::new().route("/", get(handler))).await?;
/// let gauge = TaskGauge::new();
/// let after = watch_request(&server, "/", &db, &gauge, &Narrator::quiet(), ms(300)).await?;
/// assert_eq!(after.body, "queued");
/// assert_eq!(after.finished_after_response, 1, "the query ended after the answer");
/// # Ok(()) }
/// ```
pub async fn watch_request(
    server: &TestServer,
    path: &str,
    backend: &SlowBackend,
    gauge: &TaskGauge,
    narrator: &Narrator,
    linger: Duration,
) -> anyhow::Result<Aftermath> {
    let before = backend.stats();
    narrator.say("client", format!("-> GET {path}"));
    let sent = Instant::now();
    let (status, body) = server.get(path).await?;
    let responded = sent.elapsed();
    narrator.say("client", format!("<- {status} {body:?}"));
    let at_response = backend.stats();

    // The request is over for the server once its connection has closed: only then
    // does a task still alive count as left behind.
    let still_open = server.connections_closed(CONNECTION_CLOSE_LIMIT).await;
    anyhow::ensure!(
        still_open == 0,
        "{still_open} connections still open after the response"
    );
    let leaked_tasks = gauge.settle(TASK_REAP_GRACE).await;
    if leaked_tasks > 0 {
        narrator.say(
            "gauge",
            format!("tasks still alive after the response: {leaked_tasks}"),
        );
    } else {
        narrator.say("gauge", "no task alive after the response");
    }

    // Let any leftover work run to its end, so the reader sees it happen.
    let still_alive = gauge.settle(linger).await;
    let after = backend.stats();
    if leaked_tasks > 0 {
        narrator.say(
            "gauge",
            format!("the leftover work is over; tasks still alive: {still_alive}"),
        );
    }

    Ok(Aftermath {
        status,
        body,
        responded,
        leaked_tasks,
        left_for_good: still_alive,
        finished_after_response: after.finished - at_response.finished,
        started_after_response: after.started - at_response.started,
        cancelled: after.cancelled - before.cancelled,
    })
}
