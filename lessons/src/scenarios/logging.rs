//! The logging scenario of lessons 05 (leaky) and 06 (fixed).
//!
//! Handlers hand a log line to a background logger through a queue; the logger writes
//! each line to a slow sink (a disk, a log service) and cannot keep up with a burst.
//! What happens to the lines it cannot take yet is the whole lesson.

use std::time::Duration;

use crate::kit::{Flags, Latency, Narrator, SlowBackend};

/// Bursts of requests, small then large: what grows with the request count is a leak.
pub const BURSTS: [usize; 2] = [100, 400];

/// Each log line is about this big, like a request's context rendered as text.
pub const LINE_BYTES: usize = 1024;

/// How long the sink takes to write one line.
pub fn sink_latency(flags: &Flags) -> Duration {
    flags.ms(5)
}

/// The slow sink. It is not narrated: a line per written log line would drown the story.
pub fn sink(flags: &Flags) -> SlowBackend {
    SlowBackend::new(
        "sink",
        Latency::Fixed(sink_latency(flags)),
        &Narrator::quiet(),
    )
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
