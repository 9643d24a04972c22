//! Lesson 06: a logger that stays bounded, never blocks a request, and flushes on exit.
//!
//! The queue of lesson 05 stays bounded, and a handler never waits for room: it either
//! drops the line and counts it, or waits a little inside its own future, so that a
//! request that ends (or is dropped) takes its wait with it. The logger listens for
//! shutdown, writes what is still queued, and is waited for. Tasks and memory stay
//! flat however large the burst.
//!
//! * `logger.rs`: the logger, its writer, the handlers, and the running set-up;
//! * here: the bursts, the shutdown, and what each figure counts.

mod logger;

use std::sync::atomic::Ordering;

use anyhow::Result;
use lessons::kit::{
    Flags, Narrator, OnShutdown, Report, Serve, TaskGauge, TestServer, burst, heap_bytes, ms,
    run_lesson,
};
use lessons::scenarios::logging::{BURSTS, kib};
use logger::{AUDIT_PATIENCE, QUEUE_CAPACITY, Running, router, start};

const ABOUT: &str = "Lesson 06: a bounded logger that drops and counts, and flushes on shutdown";

// ANCHOR: drive
async fn demo(flags: &Flags, narrator: &Narrator) -> Result<Report> {
    // Two baselines: before anything started (nothing may be left at the end), and
    // with the logger and the server up (a burst may leave nothing behind).
    let before_everything = TaskGauge::new();
    let running = start(flags);
    let server = TestServer::start(router(running.logger.clone())).await?;
    let gauge = TaskGauge::new();
    let (logger, sink) = (&running.logger, &running.sink);
    let mut report = Report::new().with("queue_capacity", QUEUE_CAPACITY);

    let mut accepted = 0;
    for n in BURSTS {
        narrator.scenario(format!(
            "drop and count, a burst of {n} requests while the sink stalls"
        ));
        sink.stall();
        let heap_before = heap_bytes();
        let dropped_before = logger.dropped.load(Ordering::Relaxed);
        // Kept as its summary line: the client's own histogram is not the server's heap.
        let outcome = burst(&server, "/work", n).await.to_string();
        server.connections_closed(ms(2000)).await;
        // The writer has taken the burst's first line and is stuck writing it.
        sink.busy_writing(ms(2000)).await;
        let queued = logger.queued();
        let grown = kib(heap_bytes().saturating_sub(heap_before));
        let dropped = logger.dropped.load(Ordering::Relaxed) - dropped_before;
        narrator.say("client", &outcome);
        narrator.say(
            "logger",
            format!("{queued} lines queued (at most {QUEUE_CAPACITY}), {dropped} dropped and counted; the heap grew by {grown} KiB"),
        );
        let parked = gauge.settle(ms(1000)).await;
        narrator.say("gauge", format!("tasks left after the burst: {parked}"));
        report = report
            .with(&format!("queue_{n}"), queued)
            .with(&format!("heap_kib_{n}"), grown)
            .with(&format!("dropped_{n}"), dropped);
        accepted += n - dropped;
        if n != BURSTS[BURSTS.len() - 1] {
            // Let the writer catch up, so that the next burst starts from an empty queue.
            sink.recover();
            let written = sink.caught_up(accepted, ms(5000)).await;
            narrator.say(
                "logger",
                format!("the sink recovered; the logger caught up, {written} lines written in all"),
            );
        }
    }

    narrator.scenario(format!(
        "a bounded wait of {} ms, then drop: a burst of {} requests into the full queue",
        AUDIT_PATIENCE.as_millis(),
        BURSTS[0]
    ));
    let dropped_before = logger.dropped.load(Ordering::Relaxed);
    let outcome = burst(&server, "/audit", BURSTS[0]).await;
    let audit_dropped = logger.dropped.load(Ordering::Relaxed) - dropped_before;
    let waited = outcome.latencies.count_at_least(AUDIT_PATIENCE);
    narrator.say("client", &outcome);
    narrator.say(
        "logger",
        format!(
            "{audit_dropped} lines dropped after waiting; answers that took {} ms or more: {waited}",
            AUDIT_PATIENCE.as_millis()
        ),
    );
    server.connections_closed(ms(2000)).await;
    let parked = gauge.settle(ms(1000)).await;
    narrator.say("gauge", format!("tasks left after the burst: {parked}"));

    narrator.scenario("shutdown: stop taking lines, flush the queue, wait for the logger");
    server.shutdown().await?;
    let queued_at_shutdown = logger.queued();
    narrator.say(
        "main",
        format!("cancel the logger with {queued_at_shutdown} lines queued"),
    );
    running.shutdown.cancel();
    // The sink recovers only after the cancel: the writer is still inside its write of
    // one line, and when that returns, its `biased` select sees the cancel first, so
    // every line still queued goes to the flush.
    sink.recover();
    narrator.say("sink", "recovered: writes again, one line at a time");
    running.tracker.wait().await;
    let flushed = running.writer.await?;
    narrator.say("logger", format!("flushed {flushed} lines, then ended"));
    let leaked_tasks = before_everything.settle(ms(1000)).await;
    narrator.say(
        "gauge",
        format!("tasks alive above the baseline: {leaked_tasks}"),
    );

    Ok(report
        .with("audit_dropped", audit_dropped)
        .with("flushed", flushed)
        .with(
            "lost_at_shutdown",
            queued_at_shutdown.saturating_sub(flushed),
        )
        .with("leaked_tasks", leaked_tasks))
}
// ANCHOR_END: drive

#[tokio::main]
async fn main() -> Result<()> {
    run_lesson(ABOUT, demo, |flags, _| {
        let running = start(flags);
        let router = router(running.logger.clone());
        // On Ctrl-C, the same shutdown the demo runs: stop, flush, wait.
        let Running {
            logger,
            shutdown,
            tracker,
            writer,
            ..
        } = running;
        let on_shutdown: OnShutdown = Box::new(move || {
            Box::pin(async move {
                let queued = logger.queued();
                shutdown.cancel();
                tracker.wait().await;
                let flushed = writer.await.unwrap_or_default();
                format!(
                    "logger: {queued} lines queued at the signal, {flushed} flushed, then it ended"
                )
            })
        });
        Serve {
            router,
            routes: vec!["/work", "/audit"],
            on_shutdown: Some(on_shutdown),
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use lessons::scenarios::logging::Sink;
    use tokio_util::sync::CancellationToken;

    /// The heap counter is the whole process's, and the tests of one binary run on
    /// parallel threads: a test that frees memory while the demo measures would make a
    /// burst look as if it shrank the heap. Each test holds this while it runs.
    static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

    #[tokio::test]
    async fn the_backlog_stays_bounded_and_is_flushed() {
        let _alone = ONE_AT_A_TIME.lock().await;
        let report = demo(&Flags::for_test(7), &Narrator::quiet()).await.unwrap();
        let [small, large] = BURSTS;
        let number = |key: &str, n: usize| report.number(&format!("{key}_{n}"));
        assert_eq!(report.number("leaked_tasks"), 0, "{report}");
        assert!(number("queue", large) <= QUEUE_CAPACITY as u64, "{report}");
        assert!(
            number("dropped", large) > 0,
            "a burst past the capacity drops: {report}"
        );
        // The heap no longer grows with the burst: 4 times the requests, not 4 times the memory.
        assert!(
            number("heap_kib", large) < number("heap_kib", small) * 2 + 16,
            "{report}"
        );
        assert!(
            report.number("flushed") > 0,
            "queued lines are written at shutdown: {report}"
        );
        for n in BURSTS {
            // The stalled writer holds the burst's first line; the queue holds the next 64.
            let room = QUEUE_CAPACITY as u64 + 1;
            assert_eq!(
                number("dropped", n),
                n as u64 - room,
                "every line past the queue's room should be dropped and counted: {report}"
            );
        }
        assert_eq!(
            report.number("audit_dropped"),
            small as u64,
            "a full queue and a stalled sink: every audit line waits, then is dropped: {report}"
        );
        assert_eq!(
            report.number("flushed"),
            QUEUE_CAPACITY as u64,
            "every line queued at the cancel goes to the flush: {report}"
        );
        assert_eq!(report.number("lost_at_shutdown"), 0, "{report}");
    }

    /// Queues ten lines, cancels, runs `writer` to its end, and counts the lines that
    /// were queued at the cancel and never written: the demo's `lost_at_shutdown`.
    async fn lost_at_shutdown<W, F>(writer: W) -> usize
    where
        W: FnOnce(tokio::sync::mpsc::Receiver<String>, Sink, CancellationToken) -> F,
        F: Future<Output = usize>,
    {
        let (lines, receiver) = tokio::sync::mpsc::channel(QUEUE_CAPACITY);
        for request in 0..10 {
            lines
                .try_send(lessons::scenarios::logging::log_line(request))
                .unwrap();
        }
        let (sink, shutdown) = (Sink::new(&Flags::for_test(7)), CancellationToken::new());
        shutdown.cancel();
        writer(receiver, sink.clone(), shutdown).await;
        10 - sink.written()
    }

    /// The fix removed: the writer leaves at the cancel, with no flush.
    async fn write_until_shutdown_without_flush(
        mut lines: tokio::sync::mpsc::Receiver<String>,
        sink: Sink,
        shutdown: CancellationToken,
    ) -> usize {
        loop {
            tokio::select! {
                biased;
                () = shutdown.cancelled() => return 0,
                line = lines.recv() => match line {
                    Some(line) => sink.write(&line).await,
                    None => return 0,
                },
            }
        }
    }

    #[tokio::test]
    async fn without_the_flush_the_queued_lines_are_lost() {
        let _alone = ONE_AT_A_TIME.lock().await;
        assert_eq!(lost_at_shutdown(logger::write_until_shutdown).await, 0);
        assert_eq!(
            lost_at_shutdown(write_until_shutdown_without_flush).await,
            10
        );
    }
}
