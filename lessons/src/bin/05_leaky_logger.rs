//! Lesson 05: a background logger that leaks under load.
//!
//! Handlers hand log lines to a logger task through a channel, and the logger writes
//! them to a slow sink. When a burst meets a stalled sink the queue fills, and it goes
//! wrong one of two ways: with a bounded queue, each request's sender task parks on the
//! full queue and stays (tasks climb with the request count); with an unbounded queue
//! nothing parks, and the queue and the heap climb instead.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Result;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use lessons::kit::{
    Flags, Narrator, Report, Serve, TaskGauge, TestServer, burst, heap_bytes, ms, run_lesson,
};
use lessons::scenarios::logging::{BURSTS, Sink, kib, log_line};
use lessons::scenarios::next_request;
use tokio::sync::mpsc;
use tracing::{Instrument, debug_span};

const ABOUT: &str = "Lesson 05: a logger whose queue blocks its senders, or grows without bound";

/// Room in the bounded queue: a few lines, as in a queue sized for calm days.
const QUEUE_CAPACITY: usize = 16;

// ANCHOR: blocking
/// The logger with a bounded queue.
#[derive(Clone)]
struct BlockingLogger {
    lines: mpsc::Sender<String>,
}

/// Writes queued lines to the sink, one at a time, for as long as the queue is open.
async fn write_bounded(mut lines: mpsc::Receiver<String>, sink: Sink) {
    while let Some(line) = lines.recv().await {
        sink.write(&line).await;
    }
}

/// Answers at once and leaves the logging to a task of its own, as the article's Go
/// handler does with `go logMessage(...)`.
async fn work_blocking(State(logger): State<BlockingLogger>) -> &'static str {
    let line = log_line(next_request());
    let lines = logger.lines.clone();
    // LEAK: when the queue is full this task parks on `send` until the slow logger
    // makes room: one parked task per request, for as long as the burst lasts.
    let span = debug_span!("task", name = "log-line");
    tokio::spawn(
        async move {
            let _ = lines.send(line).await;
        }
        .instrument(span),
    );
    "done"
}
// ANCHOR_END: blocking

// ANCHOR: unbounded
/// The logger with an unbounded queue: no sender ever waits.
#[derive(Clone)]
struct UnboundedLogger {
    lines: mpsc::UnboundedSender<String>,
    /// Lines sent and not yet taken by the logger: the queue's depth.
    queued: Arc<AtomicUsize>,
}

async fn write_unbounded(
    mut lines: mpsc::UnboundedReceiver<String>,
    queued: Arc<AtomicUsize>,
    sink: Sink,
) {
    while let Some(line) = lines.recv().await {
        queued.fetch_sub(1, Ordering::SeqCst);
        sink.write(&line).await;
    }
}

async fn work_unbounded(State(logger): State<UnboundedLogger>) -> &'static str {
    // LEAK: never blocks, so nothing parks; but every line the logger has not
    // written yet waits in memory, and a burst adds them faster than it writes.
    logger.queued.fetch_add(1, Ordering::SeqCst);
    let _ = logger.lines.send(log_line(next_request()));
    "done"
}
// ANCHOR_END: unbounded

/// Both loggers, started: the routes that use them, and what the driver watches.
struct Loggers {
    router: Router,
    /// The sink behind the bounded queue.
    bounded_sink: Sink,
    /// The sink behind the unbounded queue.
    unbounded_sink: Sink,
    /// The unbounded queue's depth.
    queued: Arc<AtomicUsize>,
}

fn start(flags: &Flags) -> Loggers {
    let (blocking_tx, blocking_rx) = mpsc::channel(QUEUE_CAPACITY);
    let bounded_sink = Sink::new(flags);
    tokio::spawn(write_bounded(blocking_rx, bounded_sink.clone()));
    let (unbounded_tx, unbounded_rx) = mpsc::unbounded_channel();
    let queued = Arc::new(AtomicUsize::new(0));
    let unbounded_sink = Sink::new(flags);
    tokio::spawn(write_unbounded(
        unbounded_rx,
        queued.clone(),
        unbounded_sink.clone(),
    ));

    let blocking = Router::new()
        .route("/blocking", get(work_blocking))
        .with_state(BlockingLogger { lines: blocking_tx });
    let unbounded = Router::new()
        .route("/unbounded", get(work_unbounded))
        .with_state(UnboundedLogger {
            lines: unbounded_tx,
            queued: queued.clone(),
        });
    Loggers {
        router: blocking.merge(unbounded),
        bounded_sink,
        unbounded_sink,
        queued,
    }
}

// ANCHOR: drive
async fn demo(flags: &Flags, narrator: &Narrator) -> Result<Report> {
    let Loggers {
        router,
        bounded_sink,
        unbounded_sink,
        queued,
    } = start(flags);
    let server = TestServer::start(router).await?;
    let gauge = TaskGauge::new();
    let mut report = Report::new();

    // The unbounded queue first: its lines drain while the second part runs, and
    // would blur a heap measure taken then.
    let mut logged = 0;
    for n in BURSTS {
        narrator.scenario(format!(
            "unbounded queue, a burst of {n} requests while the sink stalls"
        ));
        unbounded_sink.stall();
        let heap_before = heap_bytes();
        // Kept as its summary line: the client's own histogram is not the server's heap.
        let outcome = burst(&server, "/unbounded", n).await.to_string();
        logged += n;
        server.connections_closed(ms(2000)).await;
        // The logger has taken the burst's first line and is stuck writing it.
        unbounded_sink.busy_writing(ms(2000)).await;
        let depth = queued.load(Ordering::SeqCst);
        let grown = kib(heap_bytes().saturating_sub(heap_before));
        narrator.say("client", &outcome);
        narrator.say(
            "logger",
            format!("{depth} lines waiting in the queue; the heap grew by {grown} KiB"),
        );
        narrator.say(
            "gauge",
            format!(
                "tasks alive above the baseline: {}",
                gauge.settle(ms(1000)).await
            ),
        );
        report = report
            .with(&format!("queue_{n}"), depth)
            .with(&format!("heap_kib_{n}"), grown);
        unbounded_sink.recover();
        if n != BURSTS[BURSTS.len() - 1] {
            // Let the logger catch up, so that the next burst starts from an empty queue.
            let written = unbounded_sink.caught_up(logged, ms(5000)).await;
            narrator.say(
                "logger",
                format!("the sink recovered; the logger caught up, {written} lines written in all"),
            );
        }
    }

    logged = 0;
    for n in BURSTS {
        narrator.scenario(format!(
            "bounded queue of {QUEUE_CAPACITY}, a burst of {n} requests while the sink stalls"
        ));
        bounded_sink.stall();
        let outcome = burst(&server, "/blocking", n).await;
        logged += n;
        server.connections_closed(ms(2000)).await;
        narrator.say("client", &outcome);
        // Every answer is in and every connection closed: the load is over. The logger
        // is stuck on the burst's first line, so what is still alive is a sender parked
        // on the full queue, and it stays parked for as long as the sink is stalled.
        bounded_sink.busy_writing(ms(2000)).await;
        let parked = gauge.settle(ms(100)).await;
        narrator.say(
            "gauge",
            format!("tasks alive 100 ms after the burst: {parked}"),
        );
        report = report.with(&format!("parked_senders_{n}"), parked);
        if n != BURSTS[BURSTS.len() - 1] {
            // Let the parked senders drain, so that the next burst starts from none.
            bounded_sink.recover();
            bounded_sink.caught_up(logged, ms(5000)).await;
            let left = gauge.settle(ms(1000)).await;
            narrator.say(
                "gauge",
                format!("the sink recovered and the logger caught up; tasks still parked: {left}"),
            );
        }
    }
    let leaked_tasks = gauge.above_baseline();
    narrator.say(
        "gauge",
        format!("at the end: {leaked_tasks} tasks still parked behind the stalled sink"),
    );

    Ok(report.with("leaked_tasks", leaked_tasks))
}
// ANCHOR_END: drive

#[tokio::main]
async fn main() -> Result<()> {
    run_lesson(ABOUT, demo, |flags, _| Serve {
        router: start(flags).router,
        routes: vec!["/blocking", "/unbounded"],
        on_shutdown: None,
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn tasks_or_memory_climb_with_the_request_count() {
        let report = demo(&Flags::for_test(7), &Narrator::quiet()).await.unwrap();
        let [small, large] = BURSTS;
        let number = |key: &str, n: usize| report.number(&format!("{key}_{n}"));
        assert!(report.number("leaked_tasks") > 0, "{report}");
        for n in BURSTS {
            // The stalled logger holds the burst's first line; the queue holds the next 16.
            let room = QUEUE_CAPACITY as u64 + 1;
            assert_eq!(
                number("parked_senders", n),
                n as u64 - room,
                "every request past the queue's room should leave a parked sender: {report}"
            );
            assert_eq!(
                number("queue", n),
                n as u64 - 1,
                "every line but the one the logger holds should wait in the queue: {report}"
            );
        }
        assert!(
            number("parked_senders", large) > number("parked_senders", small) * 2,
            "parked senders should climb with the request count: {report}"
        );
        assert!(
            number("queue", large) > number("queue", small) * 2,
            "the unbounded queue should climb with the request count: {report}"
        );
        assert!(
            number("heap_kib", large) > number("heap_kib", small) * 2,
            "the heap should climb with the request count: {report}"
        );
    }
}
