//! Grader for exercise 05: a bounded logger that never blocks and flushes on shutdown.
//!
//! Shared by the exercise, the solution and the known mistakes (see `ex01_fan_out.rs`).
//! Time is paused: the sink's 5 ms writes pass exactly, and at once; one test runs on
//! the multi-thread runtime, where handlers really log at the same moment.
//!
//! The classes of half-right answers, and where each is caught:
//! * many threads: sixteen handlers logging at once on eight worker threads; every
//!   line must be written or counted as dropped, none lost from the count
//!   (`every_line_is_written_or_counted_on_many_threads`);
//! * the demo's sizes: a burst of a thousand into a queue of sixteen;
//! * right until shutdown, wrong after: a line logged after shutdown is refused and
//!   counted, never a panic; a flush still ends while lines keep arriving
//!   (`the_flush_ends_while_lines_keep_arriving`); dropping the logger ends its writer
//!   (`dropping_the_logger_ends_the_writer`);
//! * the contract: the logger is shared by handlers on every thread, so it must be
//!   `Send + Sync` (checked when this file compiles), and the sink sees one write at a
//!   time (`lines_are_written_one_at_a_time`);
//! * right eventually, wrong now: `log` must not wait at all, not even a little.
//!
//! Not applicable: a caller that drops it (`log` is not async: there is no future to
//! drop), and slow peers (the sink is in-process).

use std::sync::Arc;
use std::time::Duration;

use lessons::kit::grading::{let_tasks_run, paused, threaded, within};
use lessons::kit::{Latency, Narrator, SlowBackend, ms};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::subject::Logger;

const CAPACITY: usize = 16;

/// A started logger, its sink, and what stops it.
struct Running {
    logger: Logger,
    sink: SlowBackend,
    shutdown: CancellationToken,
    tracker: TaskTracker,
}

fn start() -> Running {
    let sink = SlowBackend::new("sink", Latency::Fixed(ms(5)), &Narrator::quiet());
    let shutdown = CancellationToken::new();
    let tracker = TaskTracker::new();
    let logger = Logger::start(CAPACITY, sink.clone(), shutdown.clone(), &tracker);
    Running {
        logger,
        sink,
        shutdown,
        tracker,
    }
}

/// Cancels `shutdown` and waits, bounded, for the writer to end.
async fn shut_down(running: &Running) {
    running.shutdown.cancel();
    running.tracker.close();
    within(
        Duration::from_secs(5),
        "waiting for the writer after shutdown",
        "the writer never ended: does it watch `shutdown` (tokio::select! on \
         shutdown.cancelled()), even while it waits for the next line? A queue whose \
         sender the Logger still holds never closes by itself.",
        running.tracker.wait(),
    )
    .await;
}

/// Handlers on every worker thread share one logger.
#[allow(dead_code)] // only compiled, never run: the check is the compiler's
fn the_logger_must_be_send_and_sync_because_every_handler_thread_shares_it() {
    fn shared_by_threads<T: Send + Sync>() {}
    shared_by_threads::<Logger>();
}

#[test]
fn lines_are_written_when_there_is_room() {
    paused(|| async {
        let running = start();
        for n in 0..5 {
            running.logger.log(format!("line {n}"));
        }
        tokio::time::sleep(ms(100)).await;
        assert_eq!(
            running.sink.stats().finished,
            5,
            "5 lines logged, 5 should be written"
        );
        assert_eq!(
            running.logger.dropped(),
            0,
            "nothing should be dropped with room to spare"
        );
    });
}

#[test]
fn the_writer_runs_on_the_tracker() {
    paused(|| async {
        let running = start();
        assert_eq!(
            running.tracker.len(),
            1,
            "start the writer with tracker.spawn, so that shutdown can wait for it"
        );
    });
}

#[test]
fn a_burst_is_dropped_and_counted_without_waiting() {
    paused(|| async {
        let running = start();
        let started = Instant::now();
        for n in 0..1000 {
            running.logger.log(format!("line {n}"));
        }
        assert_eq!(started.elapsed(), Duration::ZERO, "log must never wait");
        let dropped = running.logger.dropped();
        assert!(
            dropped >= 1000 - CAPACITY - 1,
            "1000 lines at once into a queue of {CAPACITY}: at least {} should be dropped \
             and counted, {dropped} were. An unbounded queue drops nothing, and its memory \
             grows with the burst (lesson 05).",
            1000 - CAPACITY - 1
        );
    });
}

#[test]
fn shutdown_writes_every_accepted_line() {
    paused(|| async {
        let running = start();
        for n in 0..100 {
            running.logger.log(format!("line {n}"));
        }
        let_tasks_run().await;
        let accepted = 100 - running.logger.dropped();
        shut_down(&running).await;
        let written = running.sink.stats().finished;
        assert_eq!(
            written, accepted,
            "{accepted} lines were accepted, {written} written by the time the writer \
             ended: on shutdown, write what is still queued before ending (the flush)"
        );
    });
}

#[test]
fn shutdown_ends_an_idle_writer() {
    paused(|| async {
        let running = start();
        tokio::time::sleep(ms(10)).await;
        shut_down(&running).await;
    });
}

#[test]
fn a_line_after_shutdown_is_dropped_and_counted() {
    paused(|| async {
        let running = start();
        shut_down(&running).await;
        running.logger.log("too late".to_owned());
        assert_eq!(
            running.logger.dropped(),
            1,
            "a line logged after the writer ended can only be dropped, and counted"
        );
    });
}

#[test]
fn lines_are_written_one_at_a_time() {
    paused(|| async {
        let running = start();
        for n in 0..10 {
            running.logger.log(format!("line {n}"));
        }
        tokio::time::sleep(ms(200)).await;
        let stats = running.sink.stats();
        assert_eq!(
            stats.finished, 10,
            "10 lines logged, 10 should be written: {stats:?}"
        );
        assert_eq!(
            stats.peak_in_flight, 1,
            "the sink was written {} lines at once: a log file, a socket or a terminal takes \
             one writer at a time, or lines interleave and come out of order. Write each line \
             in the writer task itself, one after the other, without spawning.",
            stats.peak_in_flight
        );
    });
}

#[test]
fn dropping_the_logger_ends_the_writer() {
    paused(|| async {
        let running = start();
        running.logger.log("last words".to_owned());
        tokio::time::sleep(ms(20)).await;
        #[allow(clippy::drop_non_drop)]
        // the learner's Logger may hold anything: dropping it is the test
        drop(running.logger);
        let_tasks_run().await;
        running.tracker.close();
        assert!(
            running.tracker.is_empty(),
            "the Logger was dropped, so no line can ever arrive again, yet its writer is still \
             alive, waiting: a task with nothing left to do. When the queue is closed (recv() \
             gives None), the writer should end. A `Some(line) = queued.recv()` branch in a \
             select! is disabled by None instead of ending the loop."
        );
        assert_eq!(
            running.sink.stats().finished,
            1,
            "the line logged before was written"
        );
    });
}

#[test]
fn the_flush_ends_while_lines_keep_arriving() {
    paused(|| async {
        let running = Arc::new(start());
        for n in 0..CAPACITY {
            running.logger.log(format!("queued {n}"));
        }
        // Traffic does not stop because a shutdown began: a line every millisecond.
        let traffic = tokio::spawn({
            let running = running.clone();
            async move {
                for n in 0..10_000 {
                    running.logger.log(format!("late {n}"));
                    tokio::time::sleep(ms(1)).await;
                }
            }
        });
        tokio::time::sleep(ms(3)).await;
        running.shutdown.cancel();
        running.tracker.close();
        within(
            ms(500),
            "the flush, while handlers keep logging",
            "the flush never ended: lines kept arriving while it drained the queue, so it was \
             never empty. Close the queue first (Receiver::close), then write what it holds: \
             a closed queue refuses new lines and the drain ends.",
            running.tracker.wait(),
        )
        .await;
        traffic.abort();
    });
}

#[test]
fn every_line_is_written_or_counted_on_many_threads() {
    threaded(|| async {
        const HANDLERS: usize = 16;
        const LINES: usize = 2_000;
        let sink = SlowBackend::new("sink", Latency::Fixed(ms(1)), &Narrator::quiet());
        let shutdown = CancellationToken::new();
        let tracker = TaskTracker::new();
        let logger = Arc::new(Logger::start(
            CAPACITY,
            sink.clone(),
            shutdown.clone(),
            &tracker,
        ));
        let handlers: Vec<_> = (0..HANDLERS)
            .map(|handler| {
                let logger = logger.clone();
                tokio::spawn(async move {
                    for n in 0..LINES {
                        logger.log(format!("handler {handler} line {n}"));
                        if n % 100 == 0 {
                            tokio::task::yield_now().await;
                        }
                    }
                })
            })
            .collect();
        for handler in handlers {
            handler.await.expect("logging never panics");
        }
        shutdown.cancel();
        tracker.close();
        within(
            Duration::from_secs(5),
            "the writer after shutdown",
            "the writer never ended after shutdown",
            tracker.wait(),
        )
        .await;
        let (written, dropped) = (sink.stats().finished, logger.dropped());
        assert_eq!(
            written + dropped,
            HANDLERS * LINES,
            "{} lines were logged from {HANDLERS} handlers on several threads at once; {written} \
             were written and {dropped} counted as dropped, so {} are missing from the count. \
             Two threads that read the count and write it back plus one at the same moment \
             count one drop: use fetch_add, which is one indivisible step.",
            HANDLERS * LINES,
            (HANDLERS * LINES).saturating_sub(written + dropped)
        );
    });
}
