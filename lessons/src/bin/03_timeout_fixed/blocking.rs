//! Blocking work under a timeout: the gin-timeout article's handler, which holds its
//! goroutine with `time.Sleep`, in Rust.
//!
//! Work that blocks its thread (a long computation, a synchronous call) cannot be
//! cancelled at an `.await`, because it never reaches one. Done inside an async handler,
//! it holds the worker thread: every other request on that worker waits, and the
//! timeout meant to cut it is never even checked until the work is over. Moved to `spawn_blocking`, the worker is
//! free and the timeout answers on time, but the blocking thread runs on to the end,
//! as the article's handler does in Go. The fix is the article's own: the work checks,
//! between steps, whether anyone still wants it (Go's `ctx.Err()`, here a token).
//!
//! The server of these scenes runs on a runtime with one worker thread, so that the
//! stall is certain: with N workers, N blocked handlers stall the whole server.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use lessons::kit::{Flags, Narrator, TestServer};
use tokio::time::{Instant, sleep, sleep_until};
use tokio_util::sync::CancellationToken;
use tower_http::timeout::TimeoutLayer;

/// Steps of blocking work per request: twelve of 30 ms, 360 ms in all. A step of 30 ms
/// does not divide the 100 ms timeout, so the deadline falls inside a step, never on
/// the boundary between two.
const STEPS: usize = 12;

/// The work every handler of these scenes does, and the record of when it did it.
#[derive(Clone)]
struct Work {
    step: Duration,
    /// When each step ended: the blocking thread's trace, read after the response.
    ended: Arc<Mutex<Vec<Instant>>>,
}

impl Work {
    /// One step: holds its thread for the step's time, as CPU work or a blocking call
    /// does, then notes when it ended.
    fn one_step(&self) {
        std::thread::sleep(self.step);
        self.ended
            .lock()
            .expect("never held across a panic")
            .push(Instant::now());
    }

    fn last_ended(&self) -> Option<Instant> {
        self.ended
            .lock()
            .expect("never held across a panic")
            .last()
            .copied()
    }
}

// ANCHOR: inline
/// The mistake: blocking inside the async handler. It never reaches an `.await`, so it
/// holds its worker thread for all twelve steps, and no other request runs there. The
/// timeout is no help: it is checked when the handler's future is polled, and this one
/// poll lasts until the work is done.
async fn blocking_inline(State(work): State<Work>) -> &'static str {
    for _ in 0..STEPS {
        work.one_step();
    }
    "done"
}
// ANCHOR_END: inline

// ANCHOR: spawn_blocking
/// On a blocking thread: the worker stays free, and the timeout answers on time. When
/// it drops this handler, it drops the `JoinHandle` too, but a blocking closure cannot
/// be aborted (abort acts at an `.await`, and it has none): the steps run on to the end.
async fn on_blocking_thread(State(work): State<Work>) -> &'static str {
    let steps = tokio::task::spawn_blocking(move || {
        for _ in 0..STEPS {
            work.one_step();
        }
    });
    let _ = steps.await;
    "done"
}
// ANCHOR_END: spawn_blocking

// ANCHOR: checks_a_token
/// The fix: the closure asks between steps whether the request still wants it, as Go
/// code checks `ctx.Err()`. The drop guard cancels the token when the handler ends on
/// any path: its answer, or the timeout dropping it. The step under way cannot be cut,
/// so the work stops within one step of the deadline.
async fn stops_between_steps(State(work): State<Work>) -> Result<&'static str, StatusCode> {
    let request_done = CancellationToken::new();
    let _cancel_on_exit = request_done.clone().drop_guard();
    let steps = tokio::task::spawn_blocking(move || {
        for _ in 0..STEPS {
            if request_done.is_cancelled() {
                return false;
            }
            work.one_step();
        }
        true
    });
    match steps.await {
        Ok(true) => Ok("done"),
        _ => Err(StatusCode::INTERNAL_SERVER_ERROR),
    }
}
// ANCHOR_END: checks_a_token

fn router(work: Work, timeout: Duration) -> Router {
    let guarded = Router::new()
        .route("/blocking/inline", get(blocking_inline))
        .route("/blocking/spawned", get(on_blocking_thread))
        .route("/blocking/token", get(stops_between_steps))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ));
    Router::new()
        .route("/ping", get(|| async { "pong" }))
        .merge(guarded)
        .with_state(work)
}

/// What one scene measured.
pub struct Scene {
    pub status: StatusCode,
    /// When the blocking request was answered.
    pub answered_ms: u128,
    /// How long an unrelated `GET /ping`, sent 20 ms later, waited for its answer.
    pub ping_ms: u128,
    /// How long the blocking steps went on after the answer (0 if they had ended).
    pub work_after_response_ms: u128,
}

/// The three scenes' figures.
pub struct Blocking {
    pub inline: Scene,
    pub spawned: Scene,
    pub token: Scene,
}

/// Sends the blocking request and, 20 ms later, an unrelated one; then waits until
/// every step that will ever run has run, and reads when the last one ended.
async fn scene(
    server: &TestServer,
    path: &str,
    work: &Work,
    ping_after: Duration,
    narrator: &Narrator,
) -> Result<Scene> {
    work.ended
        .lock()
        .expect("never held across a panic")
        .clear();
    let sent = Instant::now();
    narrator.say(
        "client",
        format!(
            "-> GET {path}, then GET /ping {} ms later",
            ping_after.as_millis()
        ),
    );
    let blocking = async {
        let (status, _) = server.get(path).await?;
        let answered = Instant::now();
        narrator.say(
            "client",
            format!(
                "<- {status} for {path} after {} ms",
                (answered - sent).as_millis()
            ),
        );
        anyhow::Ok((status, answered))
    };
    let ping = async {
        sleep(ping_after).await;
        let pinged = Instant::now();
        server.get("/ping").await?;
        let waited = pinged.elapsed();
        narrator.say(
            "client",
            format!("<- 200 for /ping after {} ms", waited.as_millis()),
        );
        anyhow::Ok(waited)
    };
    let ((status, answered), ping) = tokio::try_join!(blocking, ping)?;
    // Every step that will run has run by then, however late the answer.
    sleep_until(answered.max(sent) + work.step * (STEPS as u32 + 2)).await;
    let last = work.last_ended().unwrap_or(sent);
    let after = last.saturating_duration_since(answered);
    narrator.say(
        "server",
        format!(
            "the last step ended {} ms after the answer",
            after.as_millis()
        ),
    );
    Ok(Scene {
        status,
        answered_ms: (answered - sent).as_millis(),
        ping_ms: ping.as_millis(),
        work_after_response_ms: after.as_millis(),
    })
}

/// Runs the three scenes against a server on a runtime with one worker thread.
pub async fn scenes(flags: &Flags, narrator: &Narrator, timeout: Duration) -> Result<Blocking> {
    let work = Work {
        step: flags.ms(30),
        ended: Arc::default(),
    };
    let one_worker = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .context("starting a runtime with one worker")?;
    let server = one_worker
        .spawn(TestServer::start(router(work.clone(), timeout)))
        .await??;

    narrator.scenario("blocking inside the handler: the worker is held, the timeout cannot fire");
    // Late enough that the blocking request is in its handler first, on a busy machine too.
    let ping_after = flags.ms(60);
    let inline = scene(&server, "/blocking/inline", &work, ping_after, narrator).await?;
    narrator.scenario("spawn_blocking: the answer is on time, the steps run on to the end");
    let spawned = scene(&server, "/blocking/spawned", &work, ping_after, narrator).await?;
    narrator.scenario("spawn_blocking and a token checked between steps: stopped within one step");
    let token = scene(&server, "/blocking/token", &work, ping_after, narrator).await?;

    server.shutdown().await?;
    // No blocking step is left: each scene waited them out. Dropping a runtime inside
    // another is not allowed; this leaves its threads to end by themselves.
    one_worker.shutdown_background();
    Ok(Blocking {
        inline,
        spawned,
        token,
    })
}
