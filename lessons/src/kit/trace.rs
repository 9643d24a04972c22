//! The lessons' output as `tracing` events, written by a `tracing-subscriber`
//! formatter that keeps the narration's look.
//!
//! The narration (`[  103 ms] client   <- 504 "timeout"`) is events of the target
//! [`NARRATION`], printed exactly as the book records them. `RUST_LOG` opens more:
//! `RUST_LOG=debug cargo run --bin 04_cancellation` adds a span for each request (from
//! tower-http's `TraceLayer` on every lesson's server) and for each task spawned
//! through the registry, with the events inside them, stamped on the same clock.

use std::fmt;
use std::sync::OnceLock;

use tokio::time::Instant;
use tracing::{Event, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer;
use tracing_subscriber::fmt::FmtContext;
use tracing_subscriber::fmt::format::{self, FormatEvent, FormatFields, Writer};
use tracing_subscriber::fmt::time::FormatTime;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

/// The target of the narration's events.
pub const NARRATION: &str = "narration";

/// When the lesson started, for every stamp: tokio's clock, so that paused-clock runs
/// stamp exactly.
static STARTED: OnceLock<Instant> = OnceLock::new();

/// Whether `RUST_LOG` asked for more than the narration: then each narration line also
/// says which spans it was written in (the request, the task), as a tree.
static DETAILED: OnceLock<bool> = OnceLock::new();

/// Installs the lessons' subscriber: the narration, and whatever `RUST_LOG` asks for
/// (nothing more by default). Call once, at the lesson's start.
pub fn init() {
    let _ = STARTED.set(Instant::now());
    let _ = DETAILED.set(std::env::var_os("RUST_LOG").is_some());
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("{NARRATION}=info")))
        // Whatever RUST_LOG says, the narration stays.
        .add_directive(
            format!("{NARRATION}=info")
                .parse()
                .expect("a valid directive"),
        );
    let printed = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_writer(std::io::stdout)
        .event_format(Lesson::default())
        .with_filter(filter);
    let lessons = tracing_subscriber::registry().with(printed);
    // Built with `--cfg tokio_unstable`, every lesson can be watched in tokio-console.
    #[cfg(tokio_unstable)]
    let lessons = lessons.with(console_subscriber::spawn());
    let _ = lessons.try_init();
}

/// Milliseconds since [`init`], on tokio's clock.
fn since_start() -> u128 {
    STARTED
        .get()
        .map_or(0, |started| started.elapsed().as_millis())
}

/// The stamp for events that are not narration: `[  103 ms]`.
struct LessonClock;

impl FormatTime for LessonClock {
    fn format_time(&self, writer: &mut Writer<'_>) -> fmt::Result {
        write!(writer, "[{:>5} ms]", since_start())
    }
}

/// Narration as the book shows it; every other event in tracing's usual full format,
/// stamped on the lesson's clock.
struct Lesson {
    others: format::Format<format::Full, LessonClock>,
}

impl Default for Lesson {
    fn default() -> Self {
        Lesson {
            others: format::format().with_timer(LessonClock).with_ansi(false),
        }
    }
}

impl<S, N> FormatEvent<S, N> for Lesson
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        context: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        if event.metadata().target() != NARRATION {
            return self.others.format_event(context, writer, event);
        }
        // The narrator has written the whole line into the `line` field.
        let mut line = LineField(String::new());
        event.record(&mut line);
        write!(writer, "{}", line.0)?;
        if DETAILED.get().copied().unwrap_or(false) {
            // Where in the tree of spans the line was written: `request{...}:task{...}`.
            let scope: Vec<String> = context
                .event_scope()
                .into_iter()
                .flat_map(|scope| scope.from_root())
                .map(|span| {
                    let fields = span
                        .extensions()
                        .get::<tracing_subscriber::fmt::FormattedFields<N>>()
                        .map(|fields| fields.to_string())
                        .unwrap_or_default();
                    format!("{}{{{fields}}}", span.name())
                })
                .collect();
            if !scope.is_empty() {
                write!(writer, "   in {}", scope.join(":"))?;
            }
        }
        writeln!(writer)
    }
}

/// Reads the `line` field of a narration event.
struct LineField(String);

impl tracing::field::Visit for LineField {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "line" {
            self.0 = value.to_owned();
        }
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn fmt::Debug) {
        if field.name() == "line" {
            self.0 = format!("{value:?}");
        }
    }
}
