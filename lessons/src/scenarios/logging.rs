//! The logging scenario of lessons 05 (leaky) and 06 (fixed).
//!
//! Handlers hand a log line to a background logger through a queue; the logger writes
//! each line to a slow sink (a disk, a log service) and cannot keep up with a burst.
//! What happens to the lines it cannot take yet is the whole lesson.
//!
//! The sink also stalls, as log services do (a deploy, a full disk): the drivers stall
//! it for the length of each burst and let it recover once they have measured. While it
//! is stalled the logger writes nothing, so what a burst leaves behind depends on the
//! queue alone, the same on every run, however busy the machine.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::watch;

use crate::kit::{Flags, Latency, Narrator, SlowBackend, wait_until};

/// Bursts of requests, small then large: what grows with the request count is a leak.
pub const BURSTS: [usize; 2] = [100, 400];

/// Each log line is about this big, like a request's context rendered as text.
pub const LINE_BYTES: usize = 1024;

/// How long the sink takes to write one line, when it is not stalled.
pub fn sink_latency(flags: &Flags) -> Duration {
    flags.ms(5)
}

/// The slow sink, which the driver can stall. Cheap to clone; clones share the sink.
///
/// It is not narrated: a line per written log line would drown the story.
#[derive(Clone)]
pub struct Sink {
    /// The writes themselves: slow, and counted.
    writes: SlowBackend,
    /// `true` while the sink writes, `false` while it is stalled.
    open: watch::Sender<bool>,
    /// Lines handed to the sink so far, written or still waiting for it.
    taken: Arc<AtomicUsize>,
}

impl Sink {
    /// A sink that writes a line in [`sink_latency`], until it is stalled.
    pub fn new(flags: &Flags) -> Self {
        Sink {
            writes: SlowBackend::new(
                "sink",
                Latency::Fixed(sink_latency(flags)),
                &Narrator::quiet(),
            ),
            open: watch::Sender::new(true),
            taken: Arc::default(),
        }
    }

    /// Writes one line: waits while the sink is stalled, then takes [`sink_latency`].
    /// The line itself is not kept: a real sink would write it out, and keeping
    /// every line would make the course's "fixed" logger grow with its traffic.
    pub async fn write(&self, _line: &str) {
        self.taken.fetch_add(1, Ordering::SeqCst);
        let mut open = self.open.subscribe();
        // An error means the sink itself is gone, and so is the wait.
        let _ = open.wait_for(|open| *open).await;
        self.writes.call("line").await;
    }

    /// Stops writing: every write from now on waits until [`Sink::recover`].
    pub fn stall(&self) {
        self.open.send_replace(false);
    }

    /// Writes again, the stalled line first.
    pub fn recover(&self) {
        self.open.send_replace(true);
    }

    /// Lines written so far.
    pub fn written(&self) -> usize {
        self.writes.stats().finished
    }

    /// Waits up to `within` until the logger is inside a write that has not finished
    /// (with the sink stalled: stuck on its first line); false if it never got there.
    pub async fn busy_writing(&self, within: Duration) -> bool {
        wait_until(within, || {
            self.taken.load(Ordering::SeqCst) != self.written()
        })
        .await
    }

    /// Waits up to `within` until `lines` lines in all have been written, and returns
    /// how many have.
    pub async fn caught_up(&self, lines: usize, within: Duration) -> usize {
        wait_until(within, || self.written() >= lines).await;
        self.written()
    }
}

/// The line a handler logs for request number `request`: about [`LINE_BYTES`] long.
pub fn log_line(request: usize) -> String {
    let mut line = format!("request {request}: GET /work 200 ");
    line.extend(std::iter::repeat_n(
        '.',
        LINE_BYTES.saturating_sub(line.len()),
    ));
    line
}

/// Heap bytes as whole KiB, for the result lines.
pub fn kib(bytes: usize) -> usize {
    bytes / 1024
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::ms;

    #[tokio::test(start_paused = true)]
    async fn a_stalled_sink_writes_nothing_until_it_recovers() {
        let sink = Sink::new(&Flags::for_test(7));
        sink.stall();
        let writer = tokio::spawn({
            let sink = sink.clone();
            async move { sink.write("a line").await }
        });
        assert!(sink.busy_writing(ms(100)).await, "the write never began");
        tokio::time::sleep(ms(1000)).await;
        assert_eq!(sink.written(), 0, "a stalled sink must not write");
        sink.recover();
        assert_eq!(sink.caught_up(1, ms(100)).await, 1, "recovered, it writes");
        writer.await.expect("the write does not panic");
        assert!(
            !sink.busy_writing(ms(10)).await,
            "nothing is being written any more"
        );
    }
}
