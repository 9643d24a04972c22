//! Lesson 08: a pool that sheds load, stops when told, and calls out with timeouts.
//!
//! The pool of lesson 07, fixed. A full queue answers 503 with `Retry-After` at once,
//! instead of holding the request. Workers watch a cancellation token as well as the
//! queue, run on a `TaskTracker`, and are waited for at shutdown. The upstream client
//! has a connect timeout and a total timeout, so the hung upstream becomes a quick 504
//! with no task left waiting. Last, the whole server is told to stop by SIGTERM and
//! shuts down in order, within a deadline; beside it, one that exits at once.
//!
//! * `pool.rs`: the workers, the handlers, tower's limit beside them, and the pool;
//! * `shutdown.rs`: the graceful shutdown of a server, and the abrupt one;
//! * here: the bursts the demo sends, the shutdown, and what each figure counts.

mod pool;
mod shutdown;

use anyhow::Result;
use lessons::kit::{
    Flags, Narrator, OnShutdown, Report, Serve, TaskGauge, TestServer, burst, ms, run_lesson,
    wait_until,
};
use lessons::scenarios::workers::{
    BURST, QUEUE_CAPACITY, WORKERS, burst_then_give_up, client_patience, hung_upstream, job_time,
    occupy_workers,
};
use pool::{RETRY_AFTER_SECONDS, start};
use tokio::time::Instant;
use tokio_util::task::TaskTracker;

const ABOUT: &str = "Lesson 08: load shedding, workers that stop, client timeouts";

// ANCHOR: drive
async fn demo(flags: &Flags, narrator: &Narrator) -> Result<Report> {
    let (upstream, _holding) = hung_upstream().await?;
    let gauge = TaskGauge::new();
    let pool = start(flags, upstream);
    let server = TestServer::start(pool.router.clone()).await?;
    let patience = client_patience(flags);

    narrator.scenario(format!(
        "{BURST} jobs at once: {WORKERS} busy workers, room for {QUEUE_CAPACITY} in the queue"
    ));
    let busy = occupy_workers(&server, &pool.jobs_db, ms(1000)).await;
    narrator.say(
        "server",
        format!(
            "{busy} workers busy, each on a job of {} ms",
            job_time(flags).as_millis()
        ),
    );
    // No handler here holds a request: the burst is in once every request is answered.
    let jobs = burst_then_give_up(&server, "/enqueue", BURST, || 0, patience).await;
    narrator.say(
        "client",
        format!(
            "{} accepted, {} told 503 to retry after {RETRY_AFTER_SECONDS} s, the slowest answer after {} ms",
            jobs.with_status(202),
            jobs.with_status(503),
            jobs.slowest.as_millis()
        ),
    );

    narrator.scenario(format!(
        "the same burst against tower's ConcurrencyLimit + LoadShed: {WORKERS} at once, no queue"
    ));
    let running_inline = || pool.inline_db.stats().in_flight;
    let inline = burst_then_give_up(&server, "/jobs/inline", BURST, running_inline, patience).await;
    // A job ends when hyper notices that its client hung up.
    wait_until(ms(2000), || pool.inline_db.stats().in_flight == 0).await;
    let inline_stats = pool.inline_db.stats();
    narrator.say(
        "client",
        format!(
            "{} told 503 at once, {} waited on their job and gave up after {} ms",
            inline.with_status(503),
            inline.failed,
            patience.as_millis()
        ),
    );
    narrator.say(
        "server",
        format!(
            "jobs run: {}, cancelled with their clients: {}",
            inline_stats.started, inline_stats.cancelled
        ),
    );

    let calls = BURST / 10;
    narrator.scenario(format!(
        "{calls} calls to the upstream that never answers, with client timeouts"
    ));
    // Patient clients this time: the point is how soon the server answers on its own.
    let reports = burst(&server, "/report", calls).await;
    server.connections_closed(ms(2000)).await;
    narrator.say(
        "client",
        format!(
            "{} answers of 504, the slowest after {} ms",
            reports.with_status(504),
            reports.slowest.as_millis()
        ),
    );

    narrator
        .scenario("the server shuts down: the token stops the workers, the tracker waits for them");
    server.shutdown().await?;
    let stopping = Instant::now();
    pool.shutdown.cancel();
    let workers_left = workers_left_after(&pool.workers, ms(1000)).await;
    let cut_short = pool.jobs_db.stats().cancelled;
    narrator.say(
        "main",
        format!(
            "{workers_left} workers left {} ms after the cancel, {cut_short} jobs cut short in the middle",
            stopping.elapsed().as_millis()
        ),
    );
    let leaked_tasks = gauge.settle(ms(200)).await;
    narrator.say(
        "gauge",
        format!("tasks alive above the baseline: {leaked_tasks}"),
    );

    let report = Report::new()
        .with("accepted", jobs.with_status(202))
        .with("shed_503", jobs.with_status(503))
        .with("gave_up", jobs.failed)
        .with("told_when_to_retry", jobs.told_when_to_retry)
        .with("tower_jobs_run", inline_stats.started)
        .with("tower_shed_503", inline.with_status(503))
        .with("tower_jobs_cancelled", inline_stats.cancelled)
        .with("upstream_504", reports.with_status(504))
        .with("upstream_slowest_ms", reports.slowest.as_millis())
        .with("jobs_cut_short", cut_short)
        .with("workers_left", workers_left)
        .with("leaked_tasks", leaked_tasks);

    shutdown::play(flags, narrator, report).await
}
// ANCHOR_END: drive

/// Waits at most `bound` for the workers to end, then counts those still running.
/// Read after a bounded wait, not after `wait()` returned: a worker that ignores its
/// token is counted here instead of hanging the shutdown.
async fn workers_left_after(workers: &TaskTracker, bound: std::time::Duration) -> usize {
    let _ = tokio::time::timeout(bound, workers.wait()).await;
    workers.len()
}

#[tokio::main]
async fn main() -> Result<()> {
    let (upstream, _holding) = hung_upstream().await?;
    run_lesson(ABOUT, demo, move |flags, _| {
        let pool = start(flags, upstream);
        let (shutdown, workers, jobs_db) = (pool.shutdown, pool.workers, pool.jobs_db);
        // On Ctrl-C, the same shutdown the demo runs: the token, then the tracker.
        let on_shutdown: OnShutdown = Box::new(move || {
            Box::pin(async move {
                shutdown.cancel();
                workers.wait().await;
                format!(
                    "workers stopped: {} left, {} jobs cut short",
                    workers.len(),
                    jobs_db.stats().cancelled
                )
            })
        });
        Serve {
            router: pool.router,
            routes: vec!["/enqueue", "/jobs/inline", "/report"],
            on_shutdown: Some(on_shutdown),
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_pool_sheds_stops_and_leaves_nothing() {
        let report = demo(&Flags::for_test(7), &Narrator::quiet()).await.unwrap();
        // The workers are busy for the whole burst: the queue's room is all it finds.
        assert_eq!(report.number("accepted"), QUEUE_CAPACITY as u64, "{report}");
        assert_eq!(
            report.number("shed_503"),
            (BURST - QUEUE_CAPACITY) as u64,
            "a burst past the queue is shed: {report}"
        );
        assert_eq!(
            report.number("gave_up"),
            0,
            "no client waits long enough to give up: {report}"
        );
        assert_eq!(
            report.number("told_when_to_retry"),
            (BURST - QUEUE_CAPACITY) as u64,
            "every shed client is told when to come back: {report}"
        );
        assert_eq!(report.number("tower_jobs_run"), WORKERS as u64, "{report}");
        assert_eq!(
            report.number("tower_shed_503"),
            (BURST - WORKERS) as u64,
            "{report}"
        );
        assert_eq!(
            report.number("tower_jobs_cancelled"),
            WORKERS as u64,
            "an inline job ends with its client: {report}"
        );
        assert_eq!(
            report.number("upstream_504"),
            (BURST / 10) as u64,
            "{report}"
        );
        assert_eq!(
            report.number("jobs_cut_short"),
            WORKERS as u64,
            "the token stops the jobs under way too: {report}"
        );
        assert_eq!(report.number("workers_left"), 0, "{report}");
        assert_eq!(report.number("leaked_tasks"), 0, "{report}");

        // The graceful shutdown: five requests under way at SIGTERM, three short enough
        // to end inside the drain deadline, two far too long.
        assert_eq!(report.number("in_flight_at_signal"), 5, "{report}");
        assert_eq!(
            report.number("answered_after_signal"),
            3,
            "the short requests finish after the signal: {report}"
        );
        assert_eq!(
            report.number("cut_at_deadline"),
            2,
            "the long ones are told 503 at the deadline: {report}"
        );
        assert_eq!(
            report.number("refused_during_drain"),
            1,
            "no new connection during the drain: {report}"
        );
        assert_eq!(report.number("workers_stopped"), 2, "{report}");
        assert_eq!(
            report.number("lines_flushed"),
            12,
            "5 arrivals, 3 answers, 2 cuts and 2 stopped workers, all written: {report}"
        );
        assert_eq!(
            report.number("tasks_left"),
            0,
            "the exit drops nothing: {report}"
        );
        assert!(
            report.number("exit_ms") < 3000,
            "the drain deadline bounds the shutdown: {report}"
        );

        // The fix removed, in the same run: the server that exits at the signal.
        assert_eq!(
            report.number("abrupt_answered_after_signal"),
            0,
            "nothing is answered after an exit: {report}"
        );
        assert_eq!(
            report.number("abrupt_connection_errors"),
            5,
            "every request under way loses its connection: {report}"
        );
        assert_eq!(
            report.number("abrupt_lines_lost"),
            5,
            "the batch of arrival lines dies with the process: {report}"
        );
        assert!(
            report.number("abrupt_tasks_dropped") > 0,
            "the exit drops the requests, the writer and the workers: {report}"
        );
    }

    /// The fix removed: the same pool shut down without its token. The workers wait on
    /// a queue that stays open, so the figure the demo reports as 0 comes out 2.
    #[tokio::test]
    async fn without_the_token_the_workers_are_still_there() {
        let (upstream, _holding) = hung_upstream().await.unwrap();
        let pool = start(&Flags::for_test(7), upstream);
        let left = workers_left_after(&pool.workers, ms(300)).await;
        assert_eq!(left, WORKERS, "nothing told the workers to stop");
        pool.shutdown.cancel();
        assert_eq!(workers_left_after(&pool.workers, ms(1000)).await, 0);
    }
}
