//! Lesson 09: singleflight, built from scratch.
//!
//! Ten callers ask for the same thing while it is being fetched: with singleflight, the
//! first starts the work and the others wait for its result, so the backend sees a few
//! calls instead of ten. The group is the course's own (`lessons::singleflight`); this
//! lesson puts it through the article's demo and through the failures Go's version and
//! several Rust crates handle badly: the first caller leaving, and the work panicking.

use std::time::Duration;

use anyhow::Result;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use futures::future::join_all;
use lessons::kit::{
    Flags, Latency, Narrator, Report, Serve, SlowBackend, ms, on_paused_clock, run_lesson,
};
use lessons::singleflight::{FlightError, Group};

const ABOUT: &str = "Lesson 09: singleflight from scratch: ten callers, a few executions, no hangs";

/// The article's demo: callers arrive this many milliseconds apart...
const ARRIVAL_GAP_MS: u64 = 3;
/// ...for work that takes this many.
const WORK_TAKES_MS: u64 = 10;
/// How many callers arrive.
const CALLERS: usize = 10;

/// The group every scenario uses: keys are strings, values strings, errors strings.
type Flights = Group<String, String, String>;

// ANCHOR: demo
/// Caller `n` arrives `n` gaps after the first and asks for `key`.
async fn caller(
    n: u32,
    gap: Duration,
    key: &str,
    group: &Flights,
    db: &SlowBackend,
    narrator: &Narrator,
) -> bool {
    tokio::time::sleep(gap * n).await;
    let db = db.clone();
    let work_key = key.to_owned();
    let outcome = group
        .run(key.to_owned(), async move { Ok(db.call(&work_key).await) })
        .await;
    narrator.say(
        &format!("caller {n}"),
        format!("{:?}, shared: {}", outcome.result, outcome.shared),
    );
    outcome.shared
}
// ANCHOR_END: demo

// ANCHOR: leader_leaves
/// The first caller gives up after 10 ms; four others joined its flight meanwhile.
async fn first_caller_leaves(group: &Flights, db: &SlowBackend, narrator: &Narrator) -> usize {
    let work = {
        let db = db.clone();
        async move { Ok(db.call("report").await) }
    };
    let first = group.run("report".to_owned(), work);
    let waiters = (1..5).map(|n| {
        let (group, narrator) = (group.clone(), narrator.clone());
        async move {
            tokio::time::sleep(ms(2 * n)).await;
            let outcome = group
                .run("report".to_owned(), async { Ok("unused".to_owned()) })
                .await;
            narrator.say(&format!("waiter {n}"), format!("{:?}", outcome.result));
            outcome.result.is_ok()
        }
    });
    let leaving = async {
        if tokio::time::timeout(ms(10), first).await.is_err() {
            narrator.say("caller 0", "gives up after 10 ms: its future is dropped");
        }
    };
    let (_, served) = tokio::join!(leaving, join_all(waiters));
    served.into_iter().filter(|served| *served).count()
}
// ANCHOR_END: leader_leaves

// ANCHOR: panics
/// Work that panics, with five callers: each gets the panic as an error, and the work
/// is not run again.
async fn work_panics(group: &Flights, db: &SlowBackend, narrator: &Narrator) -> usize {
    // Quiet the default panic message: the callers below report the panic themselves.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let calls = (0..5).map(|n| {
        let (group, db, narrator) = (group.clone(), db.clone(), narrator.clone());
        async move {
            let outcome = group
                .run("broken".to_owned(), async move {
                    db.call("broken").await;
                    panic!("the parser met a byte it did not expect");
                })
                .await;
            narrator.say(&format!("caller {n}"), format!("{:?}", outcome.result));
            matches!(outcome.result, Err(FlightError::Panicked(_)))
        }
    });
    let errors = join_all(calls)
        .await
        .into_iter()
        .filter(|is_panic| *is_panic)
        .count();
    std::panic::set_hook(default_hook);
    errors
}
// ANCHOR_END: panics

// ANCHOR: paused_clock
/// Plays the scenarios on tokio's paused clock, on a runtime of their own. They do no
/// I/O, so time can move only when every task is waiting, and then it jumps to the next
/// timer: "one every 3 ms" and "takes 10 ms" are exact, and so is every count, however
/// busy the machine. On a real clock a caller that wakes a millisecond late joins the
/// flight before instead of starting the next one, and the executions change from run
/// to run.
async fn demo(flags: &Flags, narrator: &Narrator) -> Result<Report> {
    let (flags, narrator) = (flags.clone(), narrator.clone());
    on_paused_clock(move || async move { scenarios(&flags, &narrator).await }).await?
}
// ANCHOR_END: paused_clock

/// The article's demo, then the first caller leaving, then the work panicking, on one
/// group; the figures they measured.
async fn scenarios(flags: &Flags, narrator: &Narrator) -> Result<Report> {
    let group = Flights::new();
    narrator.say(
        "clock",
        "paused: time moves only when every task waits, so the times below are exact",
    );

    narrator.scenario(format!(
        "{CALLERS} callers, one every {ARRIVAL_GAP_MS} ms, for work that takes {WORK_TAKES_MS} ms"
    ));
    let db = SlowBackend::new("db", Latency::Fixed(flags.ms(WORK_TAKES_MS)), narrator);
    let gap = flags.ms(ARRIVAL_GAP_MS);
    let callers = (0..CALLERS as u32).map(|n| caller(n, gap, "config", &group, &db, narrator));
    let shared = join_all(callers)
        .await
        .into_iter()
        .filter(|shared| *shared)
        .count();
    let executions = db.stats().finished;

    narrator.scenario("the first caller leaves mid-flight; four others wait on its work");
    let db = SlowBackend::new("db", Latency::Fixed(flags.ms(50)), narrator);
    let served = first_caller_leaves(&group, &db, narrator).await;
    let leader_left_executions = db.stats().started;

    narrator.scenario("the work panics, with five callers waiting");
    let db = SlowBackend::new("db", Latency::Fixed(flags.ms(10)), narrator);
    let panic_errors = work_panics(&group, &db, narrator).await;
    let panic_executions = db.stats().started;

    Ok(Report::new()
        .with("callers", CALLERS)
        .with("executions", executions)
        .with("shared_results", shared)
        .with("leader_left_waiters_served", format!("{served}/4"))
        .with("leader_left_executions", leader_left_executions)
        .with("panic_errors", format!("{panic_errors}/5"))
        .with("panic_executions", panic_executions)
        .with("flights_left", group.in_flight()))
}

// ANCHOR: serve
/// Under `--serve`: `GET /value/{key}` runs a 200 ms lookup through the group, so that
/// concurrent requests for one key share it.
async fn value(
    State((group, db)): State<(Flights, SlowBackend)>,
    Path(key): Path<String>,
) -> (StatusCode, String) {
    let work_key = key.clone();
    let outcome = group
        .run(key, async move { Ok(db.call(&work_key).await) })
        .await;
    match outcome.result {
        Ok(value) => (
            StatusCode::OK,
            format!("{value} (shared: {})\n", outcome.shared),
        ),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{error:?}\n")),
    }
}
// ANCHOR_END: serve

#[tokio::main]
async fn main() -> Result<()> {
    run_lesson(ABOUT, demo, |flags, narrator| Serve {
        router: Router::new().route("/value/{key}", get(value)).with_state((
            Flights::new(),
            SlowBackend::new("db", Latency::Fixed(flags.ms(200)), narrator),
        )),
        routes: vec!["/value/config"],
        on_shutdown: None,
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn callers_share_flights_and_failures_reach_everyone() {
        let report = demo(&Flags::for_test(7), &Narrator::quiet()).await.unwrap();
        // On the paused clock, flights land at 10, 22 and 34 ms: callers 0-3, 4-7 and
        // 8-9 (arriving every 3 ms) share them.
        assert_eq!(report.number("executions"), 3, "{report}");
        assert_eq!(report.number("shared_results"), 10, "{report}");
        assert_eq!(
            report.get("leader_left_waiters_served"),
            Some("4/4"),
            "{report}"
        );
        assert_eq!(report.number("leader_left_executions"), 1, "{report}");
        assert_eq!(report.get("panic_errors"), Some("5/5"), "{report}");
        assert_eq!(report.number("panic_executions"), 1, "{report}");
        assert_eq!(report.number("flights_left"), 0, "{report}");
    }
}
