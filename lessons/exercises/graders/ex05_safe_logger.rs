//! Grader for exercise 05: a bounded logger that never blocks and flushes on shutdown.
//!
//! Shared by the exercise, the solution and the known mistakes (see `ex01_fan_out.rs`).
//! Time is paused: the sink's 5 ms writes pass exactly, and at once.

use std::time::Duration;

use lessons::kit::grading::{let_tasks_run, paused, within};
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
