//! The fixed logger: a bounded queue, handlers that never wait for room (or only a
//! little, inside their own future), and a writer that flushes on shutdown.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use lessons::kit::Flags;
use lessons::scenarios::logging::{Sink, log_line};
use lessons::scenarios::next_request;
use tokio::sync::mpsc::{self, error::TrySendError};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Room in the queue: the most memory the logger's backlog may take, in lines.
pub const QUEUE_CAPACITY: usize = 64;

/// The longest a handler waits for room before it gives up on an important line.
pub const AUDIT_PATIENCE: Duration = Duration::from_millis(20);

// ANCHOR: logger
/// The handlers' side of the logger. Cheap to clone.
#[derive(Clone)]
pub struct Logger {
    pub lines: mpsc::Sender<String>,
    /// Lines given up on because the queue was full (or closed).
    pub dropped: Arc<AtomicUsize>,
}

impl Logger {
    /// Queues `line` if there is room; otherwise drops it and counts it. Never waits,
    /// never spawns: the request goes on at full speed whatever the logger's backlog.
    fn log(&self, line: String) {
        match self.lines.try_send(line) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Closed(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Waits up to `patience` for room, for lines worth a short wait. The wait is part
    /// of the caller's future: if the request is dropped, so is the wait.
    async fn log_within(&self, line: String, patience: Duration) {
        let sent = tokio::time::timeout(patience, self.lines.send(line)).await;
        if !matches!(sent, Ok(Ok(()))) {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Lines waiting in the queue now.
    pub fn queued(&self) -> usize {
        self.lines.max_capacity() - self.lines.capacity()
    }
}
// ANCHOR_END: logger

// ANCHOR: writer
/// The logger's task: writes lines until told to stop, then writes what is still
/// queued (the flush) and ends. Returns how many lines the flush wrote.
pub async fn write_until_shutdown(
    mut lines: mpsc::Receiver<String>,
    sink: Sink,
    shutdown: CancellationToken,
) -> usize {
    loop {
        tokio::select! {
            // Shutdown first: once it is asked for, the rest goes to the flush.
            biased;
            () = shutdown.cancelled() => break,
            line = lines.recv() => match line {
                Some(line) => sink.write(&line).await,
                None => return 0,
            },
        }
    }
    // No new lines from now on; senders see `Closed` and count their line as dropped.
    lines.close();
    let mut flushed = 0;
    while let Some(line) = lines.recv().await {
        sink.write(&line).await;
        flushed += 1;
    }
    flushed
}
// ANCHOR_END: writer

// ANCHOR: handlers
/// Logs and answers: the line is queued or counted as dropped, at once.
pub async fn work(State(logger): State<Logger>) -> &'static str {
    logger.log(log_line(next_request()));
    "done"
}

/// The same, for a line worth waiting a little for.
pub async fn audit(State(logger): State<Logger>) -> &'static str {
    logger
        .log_within(log_line(next_request()), AUDIT_PATIENCE)
        .await;
    "done"
}
// ANCHOR_END: handlers

/// A started logger: the handle handlers use, and what shuts it down.
pub struct Running {
    pub logger: Logger,
    /// The sink the writer writes to, which the driver stalls.
    pub sink: Sink,
    pub shutdown: CancellationToken,
    pub tracker: TaskTracker,
    /// The writer task, to read how many lines the flush wrote.
    pub writer: tokio::task::JoinHandle<usize>,
}

pub fn start(flags: &Flags) -> Running {
    let (lines, receiver) = mpsc::channel(QUEUE_CAPACITY);
    let shutdown = CancellationToken::new();
    let tracker = TaskTracker::new();
    let sink = Sink::new(flags);
    let writer = tracker.spawn(write_until_shutdown(
        receiver,
        sink.clone(),
        shutdown.clone(),
    ));
    tracker.close();
    let logger = Logger {
        lines,
        dropped: Arc::new(AtomicUsize::new(0)),
    };
    Running {
        logger,
        sink,
        shutdown,
        tracker,
        writer,
    }
}

pub fn router(logger: Logger) -> Router {
    Router::new()
        .route("/work", get(work))
        .route("/audit", get(audit))
        .with_state(logger)
}
