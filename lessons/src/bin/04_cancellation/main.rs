//! Lesson 04: context-style cancellation with tokio.
//!
//! What Go's `context` gives a server, in tokio's terms: a tree of cancellation
//! tokens (a parent cancels its children, never the reverse), a loop that ends when
//! told, a deadline shared by every call of a request, and values that belong to
//! one request, the rule for a fan-out whose call fails (`fail_fast.rs`), and what a
//! `select!` loop loses when a branch wins while another is half-way through a read
//! (`cancel_safety.rs`). Each rule is shown happening, and measured.

mod cancel_safety;
mod fail_fast;
mod task_locals;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use anyhow::Result;
use axum::Extension;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures::future::join_all;
use lessons::kit::{
    CallStats, Flags, Latency, Narrator, Report, Serve, SlowBackend, TaskGauge, TestServer,
    on_paused_clock, run_lesson,
};
use tokio::time::{Instant, timeout_at};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

const ABOUT: &str =
    "Lesson 04: cancellation trees, loops that stop, deadlines, request-scoped values";

// ANCHOR: tree
/// Builds a small tree, cancels a leaf, then the root, and reports who saw what.
async fn token_tree(narrator: &Narrator) -> (bool, bool) {
    let server = CancellationToken::new();
    let request = server.child_token();
    let db_query = request.child_token();
    let audit_log = request.child_token();

    narrator.say("tree", "cancel db_query (a leaf)");
    db_query.cancel();
    let child_cancels_parent = request.is_cancelled() || server.is_cancelled();
    narrator.say(
        "tree",
        format!(
            "db_query={} request={} server={} audit_log={}",
            db_query.is_cancelled(),
            request.is_cancelled(),
            server.is_cancelled(),
            audit_log.is_cancelled()
        ),
    );

    narrator.say("tree", "cancel server (the root)");
    server.cancel();
    let parent_cancels_child = request.is_cancelled() && audit_log.is_cancelled();
    narrator.say(
        "tree",
        format!(
            "request={} audit_log={}",
            request.is_cancelled(),
            audit_log.is_cancelled()
        ),
    );
    (parent_cancels_child, child_cancels_parent)
}
// ANCHOR_END: tree

// ANCHOR: loop
/// Go's `for { select { case <-ctx.Done(): return … } }`: a loop with an exit.
/// Each tick is a unit of work, counted in `ticks` where the caller can read it.
async fn ticking_loop(stop: CancellationToken, ticks: Arc<AtomicU32>, period: Duration) {
    let mut ticker = tokio::time::interval(period);
    loop {
        tokio::select! {
            // Checked first: once cancelled, the loop leaves even if a tick is due too.
            // Without `biased;`, select! picks among ready branches at random.
            biased;
            () = stop.cancelled() => break,
            _ = ticker.tick() => {
                ticks.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// What a loop did once its token was cancelled.
struct AfterCancel {
    /// Ticks of work it did in the watched window after the cancel: work nobody wanted.
    ticks: u32,
    /// When its task was gone, if it was within the window.
    exit_ms: Option<u128>,
}

/// Runs a loop, cancels it, and watches it for a window of six periods: the ticks it
/// still does and when its task ends. Measured from outside, so a loop that ignores
/// its token shows here (the test below runs one).
async fn loop_after_cancel<L, F>(the_loop: L, flags: &Flags, narrator: &Narrator) -> AfterCancel
where
    L: FnOnce(CancellationToken, Arc<AtomicU32>, Duration) -> F,
    F: Future<Output = ()> + Send + 'static,
{
    let (stop, ticks, period) = (
        CancellationToken::new(),
        Arc::new(AtomicU32::default()),
        flags.ms(20),
    );
    let tracker = TaskTracker::new();
    let task = tracker.spawn(the_loop(stop.clone(), ticks.clone(), period));
    tracker.close();

    tokio::time::sleep(flags.ms(110)).await;
    narrator.say(
        "main",
        format!("cancel, after {} ticks", ticks.load(Ordering::Relaxed)),
    );
    let cancelled_at = Instant::now();
    let ticks_at_cancel = ticks.load(Ordering::Relaxed);
    stop.cancel();
    let window = period * 6;
    let exit_ms = match tokio::time::timeout(window, tracker.wait()).await {
        Ok(()) => Some(cancelled_at.elapsed().as_millis()),
        Err(_) => None,
    };
    // Whether it left or not, the window is watched to its end.
    tokio::time::sleep_until(cancelled_at + window).await;
    task.abort();
    let ticks = ticks.load(Ordering::Relaxed) - ticks_at_cancel;
    match exit_ms {
        Some(ms) => narrator.say(
            "main",
            format!("the loop's task was gone {ms} ms after the cancel; ticks after it: {ticks}"),
        ),
        None => narrator.say(
            "main",
            format!(
                "the loop was still running {} ms after the cancel; ticks after it: {ticks}",
                window.as_millis()
            ),
        ),
    }
    AfterCancel { ticks, exit_ms }
}
// ANCHOR_END: loop

// ANCHOR: deadline
/// Go's `WithDeadline`: the request has one deadline, passed down as a value, and
/// every call waits at most until it. Two calls of 120 ms do not fit in 180 ms: the
/// second is cut at the deadline, not 120 ms after it starts.
async fn two_calls_before(db: &SlowBackend, deadline: Instant) -> Result<(), &'static str> {
    timeout_at(deadline, db.call("SELECT orders"))
        .await
        .map_err(|_| "deadline passed")?;
    timeout_at(deadline, db.call("SELECT invoices"))
        .await
        .map_err(|_| "deadline passed")?;
    Ok(())
}
// ANCHOR_END: deadline

/// Runs [`two_calls_before`] against a 120 ms database with a 180 ms deadline, and
/// returns when it gave up and what the database saw. It runs on tokio's paused clock
/// (the kit's `on_paused_clock`): on the real clock a machine busy enough to wake this
/// task 60 ms late lets the second call finish before the deadline is noticed.
async fn one_deadline<C, F>(calls: C, flags: &Flags, narrator: &Narrator) -> (u128, CallStats)
where
    C: FnOnce(SlowBackend, Instant) -> F,
    F: Future<Output = Result<(), &'static str>>,
{
    let db = SlowBackend::new("db", Latency::Fixed(flags.ms(120)), narrator);
    let started = Instant::now();
    let outcome = calls(db.clone(), started + flags.ms(180)).await;
    let deadline_ms = started.elapsed().as_millis();
    narrator.say("main", format!("{outcome:?} after {deadline_ms} ms"));
    (deadline_ms, db.stats())
}

// ANCHOR: values
/// A request's id: set once by a middleware, read by everything that logs.
#[derive(Clone, Debug)]
struct RequestId(String);

tokio::task_local! {
    /// The same id, reachable from code too deep to pass it to: Go's `ctx.Value`.
    static CURRENT_REQUEST: RequestId;
}

/// Middleware: reads `x-request-id`, rejects a bad one with 400 and a reason, and
/// makes the id available both as an extension and as a task-local.
async fn request_id(mut request: Request, next: Next) -> Response {
    let id = match request
        .headers()
        .get("x-request-id")
        .map(HeaderValue::to_str)
    {
        Some(Ok(id))
            if (1..=64).contains(&id.len())
                && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') =>
        {
            id.to_owned()
        }
        Some(_) => {
            return (
                StatusCode::BAD_REQUEST,
                "x-request-id: 1 to 64 letters, digits or '-'",
            )
                .into_response();
        }
        None => "anonymous".to_owned(),
    };
    let id = RequestId(id);
    request.extensions_mut().insert(id.clone());
    CURRENT_REQUEST.scope(id, next.run(request)).await
}

/// The handler takes the id explicitly (preferred: it shows in the signature)...
async fn profile(State(db): State<SlowBackend>, Extension(id): Extension<RequestId>) -> String {
    db.call("SELECT profile").await;
    format!("{} {}", id.0, deep_in_the_call_stack())
}

/// ...while code far below it reads the task-local, as Go code reads `ctx.Value`.
fn deep_in_the_call_stack() -> String {
    CURRENT_REQUEST
        .try_with(|id| id.0.clone())
        .unwrap_or_else(|_| "outside any request".to_owned())
}
// ANCHOR_END: values

fn router(db: SlowBackend) -> Router {
    Router::new()
        .route("/profile", get(profile))
        .route("/profile/background", get(task_locals::background_work))
        .layer(middleware::from_fn(request_id))
        .with_state(db)
}

/// Sends three requests at once with their own ids, and one with a bad id.
async fn values_stay_with_their_request(
    server: &TestServer,
    narrator: &Narrator,
) -> Result<(usize, u16)> {
    let ids = ["alice-1", "bob-2", "carol-3"];
    let calls = ids.map(|id| async move {
        narrator.say("client", format!("-> GET /profile (x-request-id: {id})"));
        let response = server
            .client()
            .get(server.url("/profile"))
            .header("x-request-id", id)
            .send()
            .await?;
        let body = response.text().await?;
        narrator.say("client", format!("<- {body:?}"));
        anyhow::Ok(body == format!("{id} {id}"))
    });
    let mut matched = 0;
    for answer in join_all(calls).await {
        matched += usize::from(answer?);
    }
    let response = server
        .client()
        .get(server.url("/profile"))
        .header("x-request-id", "no spaces please")
        .send()
        .await?;
    let status = response.status();
    narrator.say(
        "client",
        format!("<- {status} {:?}", response.text().await?),
    );
    Ok((matched, status.as_u16()))
}

// ANCHOR: drive
async fn demo(flags: &Flags, narrator: &Narrator) -> Result<Report> {
    let gauge = TaskGauge::new();

    narrator.scenario("a token tree: the parent cancels its children, never the reverse");
    let (parent_cancels_child, child_cancels_parent) = token_tree(narrator).await;

    narrator.scenario("a loop with an exit: it ends when its token is cancelled");
    let after_cancel = loop_after_cancel(ticking_loop, flags, narrator).await;

    narrator.scenario("one deadline for the whole request: 180 ms for two calls of 120 ms");
    let (deadline_ms, deadline_calls) = {
        let (flags, narrator) = (flags.clone(), narrator.clone());
        let calls =
            |db: SlowBackend, deadline| async move { two_calls_before(&db, deadline).await };
        on_paused_clock(move || async move { one_deadline(calls, &flags, &narrator).await }).await?
    };

    let (waited, failed_fast) = fail_fast::both(flags, narrator).await;

    narrator.scenario("request-scoped values: each request sees its own id");
    let server = TestServer::start(router(SlowBackend::new(
        "db",
        Latency::Fixed(flags.ms(20)),
        narrator,
    )))
    .await?;
    let (ids_matched, bad_id_status) = values_stay_with_their_request(&server, narrator).await?;
    narrator.scenario("a spawned task does not inherit the request's task-local id");
    let inherited = task_locals::spawned_tasks_and_the_request_id(&server, narrator).await?;
    server.shutdown().await?;

    let relayed = cancel_safety::both(flags, narrator).await?;

    Ok(Report::new()
        .with("parent_cancels_child", parent_cancels_child)
        .with("child_cancels_parent", child_cancels_parent)
        .with("loop_ticks_after_cancel", after_cancel.ticks)
        .with(
            "loop_exit_ms",
            after_cancel
                .exit_ms
                .map_or("never".to_owned(), |ms| ms.to_string()),
        )
        .with("deadline_ms", deadline_ms)
        .with("deadline_calls_finished", deadline_calls.finished)
        .with("deadline_calls_cancelled", deadline_calls.cancelled)
        .with("wait_all_answered_at_ms", waited.answered_at_ms)
        .with("wait_all_work_after_error", waited.work_after_error)
        .with("failed_at_ms", failed_fast.failed_at_ms)
        .with("answered_at_ms", failed_fast.answered_at_ms)
        .with("calls_cancelled", failed_fast.calls_cancelled)
        .with("work_after_error", failed_fast.work_after_error)
        .with("request_ids_matched", format!("{ids_matched}/3"))
        .with("bad_id_status", bad_id_status)
        .with(
            "plain_spawn_saw_id",
            format!("{}/{}", inherited.plain, inherited.requests),
        )
        .with(
            "rescoped_spawn_saw_id",
            format!("{}/{}", inherited.rescoped, inherited.requests),
        )
        .with("unsafe_frames_sent", relayed.dropping_reads.sent)
        .with("unsafe_frames_received", relayed.dropping_reads.received)
        .with("unsafe_frames_lost", relayed.dropping_reads.lost())
        .with(
            "unsafe_frames_never_sent",
            relayed.dropping_reads.never_sent(),
        )
        .with("safe_frames_sent", relayed.keeping_bytes.sent)
        .with("safe_frames_received", relayed.keeping_bytes.received)
        .with("safe_frames_lost", relayed.keeping_bytes.lost())
        .with("leaked_tasks", gauge.settle(flags.ms(100)).await))
}
// ANCHOR_END: drive

#[tokio::main]
async fn main() -> Result<()> {
    run_lesson(ABOUT, demo, |flags, narrator| Serve {
        router: router(SlowBackend::new(
            "db",
            Latency::Fixed(flags.ms(20)),
            narrator,
        )),
        routes: vec!["/profile"],
        on_shutdown: None,
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn cancellation_flows_down_deadlines_cut_and_values_stay_put() {
        let report = demo(&Flags::for_test(7), &Narrator::quiet()).await.unwrap();
        assert!(report.flag("parent_cancels_child"), "{report}");
        assert!(!report.flag("child_cancels_parent"), "{report}");
        assert_eq!(report.number("loop_ticks_after_cancel"), 0, "{report}");
        assert_eq!(report.number("deadline_calls_finished"), 1, "{report}");
        assert_eq!(report.number("deadline_calls_cancelled"), 1, "{report}");
        // Waiting for all: the three other calls run to their end after the failure.
        assert_eq!(report.number("wait_all_work_after_error"), 3, "{report}");
        assert!(report.number("wait_all_answered_at_ms") >= 250, "{report}");
        // Failing fast: the answer comes with the failure, the rest are dropped.
        assert_eq!(report.number("calls_cancelled"), 3, "{report}");
        assert_eq!(report.number("work_after_error"), 0, "{report}");
        assert!(
            report.number("answered_at_ms") < report.number("wait_all_answered_at_ms"),
            "{report}"
        );
        assert_eq!(report.get("request_ids_matched"), Some("3/3"), "{report}");
        assert_eq!(report.number("bad_id_status"), 400, "{report}");
        // A plain spawn starts outside the request's scope; scoped again, it sees the id.
        assert_eq!(report.get("plain_spawn_saw_id"), Some("0/3"), "{report}");
        assert_eq!(report.get("rescoped_spawn_saw_id"), Some("3/3"), "{report}");
        // Cancel safety: the tick between the slow frame's halves drops the read under
        // way; from there the loop reads from mid-frame and hangs up. The slow frame,
        // written whole, is lost; the three after it are never written, since nobody
        // reads any more. Kept in a buffer of the loop's own, every byte survives the tick.
        assert_eq!(report.number("unsafe_frames_sent"), 3, "{report}");
        assert_eq!(report.number("unsafe_frames_received"), 2, "{report}");
        assert_eq!(report.number("unsafe_frames_lost"), 1, "{report}");
        assert_eq!(report.number("unsafe_frames_never_sent"), 3, "{report}");
        assert_eq!(report.number("safe_frames_sent"), 6, "{report}");
        assert_eq!(report.number("safe_frames_received"), 6, "{report}");
        assert_eq!(report.number("safe_frames_lost"), 0, "{report}");
        assert_eq!(report.number("leaked_tasks"), 0, "{report}");
    }

    /// The fix removed: Go's `for range ticker.C`, a loop with no way out. Its task
    /// outlives the cancel and goes on ticking, so both figures change.
    async fn loop_without_an_exit(
        _stop: CancellationToken,
        ticks: Arc<AtomicU32>,
        period: Duration,
    ) {
        let mut ticker = tokio::time::interval(period);
        loop {
            ticker.tick().await;
            ticks.fetch_add(1, Ordering::Relaxed);
        }
    }

    #[tokio::test]
    async fn a_loop_without_an_exit_shows_in_both_figures() {
        let after = loop_after_cancel(
            loop_without_an_exit,
            &Flags::for_test(7),
            &Narrator::quiet(),
        )
        .await;
        assert!(
            after.ticks >= 3,
            "six periods watched, {} ticks",
            after.ticks
        );
        assert_eq!(after.exit_ms, None);
    }

    /// The fix removed: each call gets the whole 180 ms for itself instead of what is
    /// left of the request's. Both calls finish, and the request takes 240 ms.
    #[tokio::test]
    async fn a_timeout_per_call_lets_the_request_run_past_its_deadline() {
        let per_call = |db: SlowBackend, deadline: Instant| async move {
            let budget = deadline - Instant::now();
            let _ = tokio::time::timeout(budget, db.call("SELECT orders")).await;
            let _ = tokio::time::timeout(budget, db.call("SELECT invoices")).await;
            Ok(())
        };
        let measured = on_paused_clock(move || async move {
            one_deadline(per_call, &Flags::for_test(7), &Narrator::quiet()).await
        });
        let (took_ms, calls) = measured.await.unwrap();
        assert_eq!((took_ms, calls.finished, calls.cancelled), (240, 2, 0));
    }
}
