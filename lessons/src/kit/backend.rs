//! The slow dependency every lesson calls: "the database", "the upstream API".
//!
//! Its calls take a while (a fixed, scripted or seeded random latency) and are
//! counted: started, finished, cancelled (the call's future was dropped before it
//! finished), in flight now, and the peak in flight. Those counts are how a lesson
//! proves that work went on after the response, or that it stopped.

use std::collections::HashMap;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use tokio::time::Instant;

use super::{Latencies, Narrator};

/// How long a call takes.
pub enum Latency {
    /// Every call takes the same time.
    Fixed(Duration),
    /// Each call takes a random time in `min..max`, drawn from a seeded generator.
    Between {
        min: Duration,
        max: Duration,
        rng: Box<Mutex<StdRng>>,
    },
    /// Each key has its own latency; keys not listed take `otherwise`.
    PerKey {
        table: Vec<(String, Duration)>,
        otherwise: Duration,
    },
}

impl Latency {
    /// A random latency in `min..max`, the same sequence for the same seed.
    pub fn between(min: Duration, max: Duration, seed: u64) -> Self {
        Latency::Between {
            min,
            max,
            rng: Box::new(Mutex::new(StdRng::seed_from_u64(seed))),
        }
    }

    /// A latency per key, e.g. `[("foo", ms(40)), ("bar", ms(10))]`; other keys
    /// answer at once.
    pub fn per_key<'a>(table: impl IntoIterator<Item = (&'a str, Duration)>) -> Self {
        Self::per_key_or(table, Duration::ZERO)
    }

    /// A latency per key, and `otherwise` for the keys not listed.
    pub fn per_key_or<'a>(
        table: impl IntoIterator<Item = (&'a str, Duration)>,
        otherwise: Duration,
    ) -> Self {
        Latency::PerKey {
            table: table.into_iter().map(|(k, d)| (k.to_owned(), d)).collect(),
            otherwise,
        }
    }

    fn for_call(&self, key: &str) -> Duration {
        match self {
            Latency::Fixed(latency) => *latency,
            Latency::Between { min, max, rng } => {
                let mut rng = rng.lock().expect(NO_PANIC_HOLDING_LOCK);
                rng.random_range(*min..*max)
            }
            Latency::PerKey { table, otherwise } => table
                .iter()
                .find(|(k, _)| k == key)
                .map_or(*otherwise, |(_, d)| *d),
        }
    }
}

/// A snapshot of a backend's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallStats {
    /// Calls that began.
    pub started: usize,
    /// Calls that ran to the end and returned their answer.
    pub finished: usize,
    /// Calls whose future was dropped before they finished.
    pub cancelled: usize,
    /// Calls running right now.
    pub in_flight: usize,
    /// The most calls that were ever running at once.
    pub peak_in_flight: usize,
}

/// A slow dependency with counted calls. Cheap to clone; clones share counters.
///
/// ```
/// use lessons::kit::{Latency, Narrator, SlowBackend, ms};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let db = SlowBackend::new("db", Latency::Fixed(ms(30)), &Narrator::quiet());
/// assert_eq!(db.call("users").await, "users");
/// // A call whose future is dropped part-way counts as cancelled.
/// let _ = tokio::time::timeout(ms(10), db.call("orders")).await;
/// let stats = db.stats();
/// assert_eq!((stats.started, stats.finished, stats.cancelled), (2, 1, 1));
/// # }
/// ```
#[derive(Clone)]
pub struct SlowBackend {
    inner: Arc<Inner>,
}

struct Inner {
    /// Shown in narration: "db", "upstream".
    name: String,
    latency: Latency,
    narrator: Narrator,
    started: AtomicUsize,
    finished: AtomicUsize,
    cancelled: AtomicUsize,
    in_flight: AtomicUsize,
    peak_in_flight: AtomicUsize,
    /// Calls started, per key: which of several callers is still calling. At most
    /// [`COUNTED_KEYS`] keys.
    started_per_key: Mutex<HashMap<String, usize>>,
    /// How long the finished calls took: bounded however many calls a server under
    /// load makes.
    durations: Mutex<Durations>,
}

/// The durations of finished calls, in bounded memory: the most recent ones in order
/// (for a lesson that looks at the calls one request made), and a histogram of all.
struct Durations {
    recent: VecDeque<Duration>,
    all: Latencies,
}

/// How many distinct keys a backend counts calls for (`started_for`); calls for
/// keys beyond them are counted in `stats` only.
pub const COUNTED_KEYS: usize = 64;

/// How many of the most recent durations are kept in order.
pub const RECENT_DURATIONS: usize = 256;

impl Durations {
    fn new() -> Self {
        Durations {
            recent: VecDeque::with_capacity(RECENT_DURATIONS),
            all: Latencies::default(),
        }
    }

    fn record(&mut self, took: Duration) {
        if self.recent.len() == RECENT_DURATIONS {
            self.recent.pop_front();
        }
        self.recent.push_back(took);
        self.all.record(took);
    }
}

impl SlowBackend {
    /// A backend called `name` whose calls take `latency` and are narrated.
    pub fn new(name: &str, latency: Latency, narrator: &Narrator) -> Self {
        SlowBackend {
            inner: Arc::new(Inner {
                name: name.to_owned(),
                latency,
                narrator: narrator.clone(),
                started: AtomicUsize::new(0),
                finished: AtomicUsize::new(0),
                cancelled: AtomicUsize::new(0),
                in_flight: AtomicUsize::new(0),
                peak_in_flight: AtomicUsize::new(0),
                started_per_key: Mutex::default(),
                durations: Mutex::new(Durations::new()),
            }),
        }
    }

    /// Calls the backend for `key`; answers `key` after the call's latency.
    ///
    /// If the returned future is dropped before it finishes, the call counts as
    /// cancelled: this is how Rust cancels, and what the lessons measure.
    pub async fn call(&self, key: &str) -> String {
        let latency = self.inner.latency.for_call(key);
        let call = CallInProgress::begin(&self.inner, key, latency);
        tokio::time::sleep(latency).await;
        call.finish();
        key.to_owned()
    }

    /// Calls started for `key` so far.
    pub fn started_for(&self, key: &str) -> usize {
        let started = self
            .inner
            .started_per_key
            .lock()
            .expect(NO_PANIC_HOLDING_LOCK);
        started.get(key).copied().unwrap_or(0)
    }

    /// How long each of the last `n` finished calls took (at most
    /// [`RECENT_DURATIONS`]), measured by the backend, in the order they finished.
    pub fn recent_durations(&self, n: usize) -> Vec<Duration> {
        let durations = self.inner.durations.lock().expect(NO_PANIC_HOLDING_LOCK);
        let skip = durations.recent.len().saturating_sub(n);
        durations.recent.iter().skip(skip).copied().collect()
    }

    /// The duration that `percent` of the finished calls took at most (0 if none).
    pub fn duration_percentile(&self, percent: f64) -> Duration {
        let durations = self.inner.durations.lock().expect(NO_PANIC_HOLDING_LOCK);
        durations.all.percentile(percent)
    }

    /// The counters as they are now.
    pub fn stats(&self) -> CallStats {
        let inner = &self.inner;
        CallStats {
            started: inner.started.load(Ordering::SeqCst),
            finished: inner.finished.load(Ordering::SeqCst),
            cancelled: inner.cancelled.load(Ordering::SeqCst),
            in_flight: inner.in_flight.load(Ordering::SeqCst),
            peak_in_flight: inner.peak_in_flight.load(Ordering::SeqCst),
        }
    }
}

const NO_PANIC_HOLDING_LOCK: &str = "no code panics while holding the backend's locks";

/// Counts one call; its `Drop` is what notices a call that never finished.
struct CallInProgress<'a> {
    backend: &'a Inner,
    key: &'a str,
    began: Instant,
    finished: bool,
}

impl<'a> CallInProgress<'a> {
    fn begin(backend: &'a Inner, key: &'a str, latency: Duration) -> Self {
        backend.started.fetch_add(1, Ordering::SeqCst);
        let now = backend.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        backend.peak_in_flight.fetch_max(now, Ordering::SeqCst);
        let mut per_key = backend.started_per_key.lock().expect(NO_PANIC_HOLDING_LOCK);
        // Keys are a lesson's own names ("heartbeat"), but a caller may pass anything
        // (a log line): past a bound, new keys are not counted one by one.
        if let Some(count) = per_key.get_mut(key) {
            *count += 1;
        } else if per_key.len() < COUNTED_KEYS {
            per_key.insert(key.to_owned(), 1);
        }
        drop(per_key);
        backend.narrator.say(
            &backend.name,
            format!("{key}: started (takes {} ms)", latency.as_millis()),
        );
        CallInProgress {
            backend,
            key,
            began: Instant::now(),
            finished: false,
        }
    }

    fn finish(mut self) {
        self.finished = true;
        self.backend.finished.fetch_add(1, Ordering::SeqCst);
        self.backend
            .durations
            .lock()
            .expect(NO_PANIC_HOLDING_LOCK)
            .record(self.began.elapsed());
        self.backend
            .narrator
            .say(&self.backend.name, format!("{}: finished", self.key));
    }
}

impl Drop for CallInProgress<'_> {
    fn drop(&mut self) {
        self.backend.in_flight.fetch_sub(1, Ordering::SeqCst);
        if !self.finished {
            // The future holding this call was dropped at an `.await`: cancelled.
            self.backend.cancelled.fetch_add(1, Ordering::SeqCst);
            self.backend.narrator.say(
                &self.backend.name,
                format!(
                    "{}: cancelled after {} ms",
                    self.key,
                    self.began.elapsed().as_millis()
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::ms;

    #[tokio::test(start_paused = true)]
    async fn counts_peak_concurrency() {
        let db = SlowBackend::new("db", Latency::Fixed(ms(10)), &Narrator::quiet());
        futures::future::join3(db.call("a"), db.call("b"), db.call("c")).await;
        let stats = db.stats();
        assert_eq!(stats.peak_in_flight, 3);
        assert_eq!(stats.in_flight, 0);
        assert_eq!(stats.finished, 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_server_under_load_keeps_bounded_records() {
        let db = SlowBackend::new("db", Latency::Fixed(ms(1)), &Narrator::quiet());
        for _ in 0..2 * RECENT_DURATIONS {
            db.call("k").await;
        }
        assert_eq!(db.recent_durations(usize::MAX).len(), RECENT_DURATIONS);
        assert_eq!(db.stats().finished, 2 * RECENT_DURATIONS);
        for n in 0..2 * COUNTED_KEYS {
            db.call(&format!("line {n}")).await;
        }
        assert_eq!(db.started_for("k"), 2 * RECENT_DURATIONS);
        assert_eq!(db.started_for("line 0"), 1);
        assert_eq!(db.started_for(&format!("line {}", 2 * COUNTED_KEYS - 1)), 0);
        assert_eq!(db.inner.started_per_key.lock().unwrap().len(), COUNTED_KEYS);
    }

    #[tokio::test(start_paused = true)]
    async fn records_calls_per_key_and_durations() {
        let db = SlowBackend::new(
            "db",
            Latency::per_key([("a", ms(10)), ("b", ms(30))]),
            &Narrator::quiet(),
        );
        futures::future::join3(db.call("a"), db.call("b"), db.call("a")).await;
        assert_eq!(
            (
                db.started_for("a"),
                db.started_for("b"),
                db.started_for("c")
            ),
            (2, 1, 0)
        );
        assert_eq!(db.recent_durations(3), [ms(10), ms(10), ms(30)]);
        assert_eq!(db.recent_durations(1), [ms(30)]);
        assert_eq!(db.duration_percentile(100.0).as_millis(), 30);
    }

    #[tokio::test(start_paused = true)]
    async fn same_seed_same_latencies() {
        let draw = |seed| {
            let latency = Latency::between(ms(0), ms(1000), seed);
            (0..5).map(|_| latency.for_call("k")).collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
    }

    #[tokio::test(start_paused = true)]
    async fn per_key_latency_is_exact() {
        let db = SlowBackend::new(
            "db",
            Latency::per_key([("slow", ms(40)), ("fast", ms(5))]),
            &Narrator::quiet(),
        );
        let start = Instant::now();
        db.call("fast").await;
        assert_eq!(start.elapsed(), ms(5));
    }
}
