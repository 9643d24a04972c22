//! Narration: every line a lesson prints carries the time since the lesson started,
//! so the reader sees the order of events (the response left at 52 ms, the "finished"
//! lines of the work that should have stopped come after it).
//!
//! Time is read from `tokio::time::Instant`, so under paused tokio time (the graders)
//! the stamps are exact and repeatable.

use std::fmt::Display;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

/// Prints time-stamped lines: `[  103 ms] client   <- 504 "timeout"`.
///
/// Cheap to clone: clones share the same start time, so the server, the backend and
/// the client can each hold one and their lines line up.
///
/// ```
/// use lessons::kit::Narrator;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let narrator = Narrator::new();
/// narrator.scenario("hello");
/// narrator.say("client", "-> GET /");
/// # }
/// ```
#[derive(Clone)]
pub struct Narrator {
    inner: Arc<Inner>,
}

struct Inner {
    /// When the lesson started: every stamp is measured from here.
    start: Instant,
    /// Tests and graders narrate into the void; lessons print.
    quiet: bool,
}

/// Width of the "who" column, so that messages line up.
const WHO_WIDTH: usize = 8;

impl Narrator {
    /// A narrator that prints to standard output, starting its clock now.
    pub fn new() -> Self {
        Self::with_output(false)
    }

    /// A narrator that keeps its clock but prints nothing (for tests).
    pub fn quiet() -> Self {
        Self::with_output(true)
    }

    fn with_output(quiet: bool) -> Self {
        Narrator {
            inner: Arc::new(Inner {
                start: Instant::now(),
                quiet,
            }),
        }
    }

    /// Time since this narrator was created.
    pub fn elapsed(&self) -> Duration {
        self.inner.start.elapsed()
    }

    /// Whole milliseconds since this narrator was created.
    pub fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// The lesson's opening: its title and how to repeat this very run.
    pub fn intro(&self, title: &str, seed: u64) {
        self.print(format_args!(
            "{title}\n(seed {seed}: `--seed {seed}` repeats this run; `--help` lists the flags)"
        ));
    }

    /// The closing `result:` line, after a blank line: always on standard output,
    /// whatever the subscriber, and last.
    pub fn result(&self, report: &super::Report) {
        if !self.inner.quiet {
            let _ = writeln!(std::io::stdout().lock(), "\n{report}");
        }
    }

    /// One stamped line: who is acting, and what they did.
    pub fn say(&self, who: &str, what: impl Display) {
        self.print(format_args!(
            "[{:>5} ms] {who:<WHO_WIDTH$} {what}",
            self.elapsed_ms()
        ));
    }

    /// Opens a scenario: a blank line, then its title.
    pub fn scenario(&self, title: impl Display) {
        self.print(format_args!("\n== {title}"));
    }

    /// An unstamped line of explanation, indented under the stamps.
    pub fn explain(&self, text: impl Display) {
        self.print(format_args!("{:>11}{text}", ""));
    }

    /// One line of narration: a `tracing` event of the target
    /// [`NARRATION`](super::trace::NARRATION), which the lessons' subscriber
    /// ([`trace::init`](super::trace::init)) prints as it is. Without that subscriber
    /// (a doc test, a program of your own), it is written to standard output directly.
    /// A reader who pipes a lesson into `head` closes the pipe early; the lesson then
    /// runs on quietly instead of panicking.
    fn print(&self, line: std::fmt::Arguments<'_>) {
        if self.inner.quiet {
            return;
        }
        if tracing::dispatcher::has_been_set() {
            tracing::info!(target: "narration", line = %line);
        } else {
            let _ = writeln!(std::io::stdout().lock(), "{line}");
        }
    }
}

impl Default for Narrator {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn elapsed_follows_tokio_time() {
        let narrator = Narrator::quiet();
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert_eq!(narrator.elapsed_ms(), 250);
    }

    #[tokio::test(start_paused = true)]
    async fn clones_share_one_clock() {
        let narrator = Narrator::quiet();
        tokio::time::sleep(Duration::from_millis(40)).await;
        let clone = narrator.clone();
        assert_eq!(clone.elapsed_ms(), narrator.elapsed_ms());
    }
}
