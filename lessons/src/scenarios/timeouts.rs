//! The timeout scenario of lessons 02 (broken) and 03 (fixed).
//!
//! Two stories, from two articles. A handler fans out to four slow calls and gives
//! up after a deadline (the context article). A handler reads a user and then records
//! the visit, behind a timeout middleware that answers 408 (the gin-timeout article).
//! Every call is slower than the timeout guarding it, so every run shows the timeout
//! firing while work is under way: what differs between the lessons is what that
//! work does next.

use std::time::Duration;

use crate::kit::{
    Aftermath, Flags, Latency, Narrator, SlowBackend, TaskGauge, TestServer, watch_request,
};

pub use super::KEYS;

/// The user handler's first query: slower than the middleware allows.
pub const FIRST_QUERY: &str = "SELECT user";
/// Its second query, issued once the first returns: the one that must never run late.
pub const SECOND_QUERY: &str = "UPDATE last_seen";

// ANCHOR: timing
/// The timings both lessons use (scaled by `--scale`).
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// The fan-out handler gives up after this long.
    pub fanout_timeout: Duration,
    /// Each fan-out call takes a random time in this range: always past the timeout.
    pub fanout_latency: (Duration, Duration),
    /// The timeout middleware answers 408 after this long.
    pub middleware_timeout: Duration,
    /// How long the first query takes.
    pub first_query: Duration,
    /// How long the second query takes.
    pub second_query: Duration,
}

impl Timing {
    pub fn new(flags: &Flags) -> Self {
        Timing {
            fanout_timeout: flags.ms(50),
            fanout_latency: (flags.ms(200), flags.ms(400)),
            middleware_timeout: flags.ms(100),
            first_query: flags.ms(300),
            second_query: flags.ms(50),
        }
    }

    /// Long enough for any leftover work to finish and be seen finishing.
    fn linger(&self) -> Duration {
        self.fanout_latency.1 + self.first_query + self.second_query
    }
}
// ANCHOR_END: timing

/// What every handler of the scenario can reach: axum state.
#[derive(Clone)]
pub struct Scenario {
    /// The backend the fan-out handlers call.
    pub backend: SlowBackend,
    /// The database the user handlers query.
    pub db: SlowBackend,
    pub timing: Timing,
}

impl Scenario {
    pub fn new(flags: &Flags, narrator: &Narrator) -> Self {
        let timing = Timing::new(flags);
        let (min, max) = timing.fanout_latency;
        Scenario {
            backend: SlowBackend::new("backend", Latency::between(min, max, flags.seed), narrator),
            db: SlowBackend::new(
                "db",
                Latency::per_key([
                    (FIRST_QUERY, timing.first_query),
                    (SECOND_QUERY, timing.second_query),
                ]),
                narrator,
            ),
            timing,
        }
    }
}

/// One request of a lesson's run.
pub struct Step {
    /// The narration's heading for this request.
    pub title: &'static str,
    /// The route to call.
    pub path: &'static str,
    /// The dependency the route's handler calls, watched after the response.
    pub watched: Watched,
}

/// The two dependencies of the scenario.
#[derive(Clone, Copy)]
pub enum Watched {
    /// The fan-out handlers' backend.
    Backend,
    /// The user handlers' database.
    Db,
}

/// Calls the steps' routes one by one, each watched past its response.
pub async fn run_steps(
    server: &TestServer,
    scenario: &Scenario,
    steps: &[Step],
    narrator: &Narrator,
) -> anyhow::Result<Vec<Aftermath>> {
    let gauge = TaskGauge::new();
    let mut aftermaths = Vec::new();
    for step in steps {
        narrator.scenario(step.title);
        let backend = match step.watched {
            Watched::Backend => &scenario.backend,
            Watched::Db => &scenario.db,
        };
        let aftermath = watch_request(
            server,
            step.path,
            backend,
            &gauge,
            narrator,
            scenario.timing.linger(),
        )
        .await?;
        aftermaths.push(aftermath);
    }
    Ok(aftermaths)
}
