//! "If one call fails, fail the rest": the context article's rule for a fan-out,
//! which Go code keeps with `errgroup.WithContext`.
//!
//! A product page needs four answers; one of them, `inventory`, fails after 30 ms. A
//! fan-out that waits for every call before it looks for an error answers only when
//! the slowest call is done, and every other call runs to its end for an answer that
//! will be thrown away. One that stops at the first error answers at 30 ms, and the
//! calls still under way are dropped, so cancelled at their `.await`.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use futures::future::{join_all, try_join_all};
use lessons::kit::{Flags, Latency, Narrator, SlowBackend};
use tokio::time::Instant;

/// The page's four calls, and the one that fails.
pub const CALLS: [&str; 4] = ["price", "inventory", "reviews", "shipping"];
const FAILING: &str = "inventory";

/// The page's backend, with what the measurement needs to see: when the failure came,
/// and when each call that ran to its end ended.
#[derive(Clone)]
pub struct Page {
    backend: SlowBackend,
    /// The longest any call takes: once it has passed, every call not cancelled is over.
    slowest: Duration,
    failed_at: Arc<OnceLock<Instant>>,
    finished_at: Arc<Mutex<Vec<Instant>>>,
}

impl Page {
    /// `inventory` fails after 30 ms; the others answer after 150 to 250 ms.
    pub fn new(flags: &Flags, narrator: &Narrator) -> Self {
        let latencies = [
            ("price", flags.ms(200)),
            (FAILING, flags.ms(30)),
            ("reviews", flags.ms(250)),
            ("shipping", flags.ms(150)),
        ];
        Page {
            slowest: latencies
                .iter()
                .map(|(_, took)| *took)
                .max()
                .unwrap_or_default(),
            backend: SlowBackend::new("backend", Latency::per_key(latencies), narrator),
            failed_at: Arc::default(),
            finished_at: Arc::default(),
        }
    }

    /// One call: its answer, or an error for the call that fails.
    async fn call(&self, key: &str) -> Result<String, String> {
        let answer = self.backend.call(key).await;
        // Only reached by a call that ran to its end: a dropped one stops at the await.
        let now = Instant::now();
        if key == FAILING {
            self.failed_at.get_or_init(|| now);
            return Err(format!("{key}: 503 from upstream"));
        }
        self.finished_at
            .lock()
            .expect("never held across a panic")
            .push(now);
        Ok(answer)
    }
}

// ANCHOR: wait_for_all
/// Go's `WaitGroup` fan-out: every call, then the first error among the answers.
async fn wait_for_all(page: &Page) -> Result<Vec<String>, String> {
    let answers = join_all(CALLS.map(|key| page.call(key))).await;
    answers.into_iter().collect()
}
// ANCHOR_END: wait_for_all

// ANCHOR: fail_fast
/// The first error is the answer, at once. `try_join_all` returns
/// as soon as one call fails, and drops the joined future, with it every call still
/// waiting. With the calls spawned on a `JoinSet` instead, returning drops the set and
/// aborts its tasks; `shutdown().await` first waits until they are gone (exercise 10).
async fn fail_fast(page: &Page) -> Result<Vec<String>, String> {
    try_join_all(CALLS.map(|key| page.call(key))).await
}
// ANCHOR_END: fail_fast

/// What one fan-out did once a call had failed.
pub struct AfterFailure {
    pub failed_at_ms: u128,
    pub answered_at_ms: u128,
    /// Calls dropped before their end.
    pub calls_cancelled: usize,
    /// Calls that ran to their end after the failure: answers nobody will read.
    pub work_after_error: usize,
}

/// Runs one fan-out, then waits out the slowest call, so that any call it left
/// running has had time to end and be counted.
async fn measure<'a, F>(
    page: &'a Page,
    fan_out: impl FnOnce(&'a Page) -> F,
    narrator: &Narrator,
) -> AfterFailure
where
    F: Future<Output = Result<Vec<String>, String>>,
{
    let started = Instant::now();
    let outcome = fan_out(page).await;
    let answered_at = Instant::now();
    narrator.say(
        "page",
        format!(
            "{outcome:?} after {} ms",
            (answered_at - started).as_millis()
        ),
    );
    tokio::time::sleep_until(started + page.slowest + Duration::from_millis(20)).await;
    let failed_at = *page.failed_at.get().expect("the failing call always fails");
    let finished = page.finished_at.lock().expect("never held across a panic");
    AfterFailure {
        failed_at_ms: (failed_at - started).as_millis(),
        answered_at_ms: (answered_at - started).as_millis(),
        calls_cancelled: page.backend.stats().cancelled,
        work_after_error: finished.iter().filter(|end| **end > failed_at).count(),
    }
}

/// The two fan-outs, each on a page of its own: waiting for all, then failing fast.
pub async fn both(flags: &Flags, narrator: &Narrator) -> (AfterFailure, AfterFailure) {
    narrator.scenario("one call fails at 30 ms: wait for all the calls, then look");
    let waited = measure(&Page::new(flags, narrator), wait_for_all, narrator).await;
    narrator.scenario("one call fails at 30 ms: the first error is the answer");
    let failed_fast = measure(&Page::new(flags, narrator), fail_fast, narrator).await;
    (waited, failed_fast)
}
