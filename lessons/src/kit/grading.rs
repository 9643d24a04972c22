//! What the exercise graders run on: paused time, a busy multi-thread runtime, and
//! bounds that keep them from hanging.
//!
//! A grader must never hang: a learner's half-finished code has to fail within
//! seconds, with a message that says what probably went wrong. There are two ways to
//! get stuck, and one guard for each:
//!
//! * waiting on something that never happens (a channel nobody sends on): under paused
//!   tokio time the runtime goes idle, its clock jumps to the bound of [`within`], and
//!   the test fails at once, deterministically;
//! * blocking the thread (a loop with no `.await`, `block_on`, `std::thread::sleep`):
//!   the runtime never gets control back, so no tokio timer can fire. [`paused`] and
//!   [`threaded`] run the test on a thread of their own and fail it after a bound in
//!   real time.
//!
//! Paused time runs on one thread, so it can never show a race between threads: a
//! check and an insert that are not atomic together, a wake-up lost between looking
//! at a result and registering for it. Where concurrency is the subject, a grader
//! also runs [`threaded`]: the multi-thread runtime with more worker threads than the
//! machine has cores, on the real clock, many rounds within a time budget.

use std::future::Future;
use std::time::Duration;

/// The real-time bound on one grader test. A right answer takes milliseconds on
/// paused time; only code that blocks its thread gets near this.
pub const WALL_CLOCK_LIMIT: Duration = Duration::from_secs(10);

/// Runs a grader test on a current-thread runtime with paused time, like
/// `#[tokio::test(start_paused = true)]`, on a thread of its own; fails the test if it
/// has not finished within [`WALL_CLOCK_LIMIT`] of real time.
///
/// ```
/// use std::time::Duration;
/// use lessons::kit::grading::paused;
///
/// // In a grader this is the body of a `#[test]` function.
/// paused(|| async {
///     // An hour of paused time passes at once.
///     tokio::time::sleep(Duration::from_secs(3600)).await;
/// });
/// ```
pub fn paused<F, Fut>(test: F)
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = ()>,
{
    on_a_watched_thread("should make it take milliseconds", move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .expect("a current-thread runtime always builds")
            .block_on(test());
    });
}

/// Worker threads for [`threaded`]: more than the cores of any machine that grades,
/// so that the scheduler moves tasks between threads and interleaves them mid-way.
pub const THREADS: usize = 8;

/// Runs a grader test on a multi-thread runtime with [`THREADS`] worker threads and
/// the real clock, on a thread of its own; fails the test if it has not finished within
/// [`WALL_CLOCK_LIMIT`] of real time.
///
/// For the races that paused time cannot show: run many rounds on a hot key within a
/// budget (a second or two of real time), and check every round.
///
/// ```
/// use lessons::kit::grading::threaded;
///
/// threaded(|| async {
///     let tasks: Vec<_> = (0..16).map(|n| tokio::spawn(async move { n * 2 })).collect();
///     for task in tasks {
///         task.await.expect("no panic");
///     }
/// });
/// ```
pub fn threaded<F, Fut>(test: F)
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = ()>,
{
    on_a_watched_thread("should take a few seconds at most", move || {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(THREADS)
            .enable_all()
            .build()
            .expect("a multi-thread runtime builds")
            .block_on(test());
    });
}

/// Runs `test` on a thread named after the current test, and fails the current test if
/// it has not finished within [`WALL_CLOCK_LIMIT`]; `expected` says how long it should
/// have taken, for the message.
fn on_a_watched_thread(expected: &str, test: impl FnOnce() + Send + 'static) {
    let name = std::thread::current().name().unwrap_or("grader").to_owned();
    let runner = std::thread::Builder::new()
        // The test's own name, so that a panic message names the test.
        .name(name.clone())
        .spawn(test)
        .expect("the system can start a thread");

    let started = std::time::Instant::now();
    while !runner.is_finished() {
        if started.elapsed() > WALL_CLOCK_LIMIT {
            // The runner thread is left behind; the test process ends without it.
            panic!(
                "\n{name} was still running after {} s of real time, on a clock that \
                 {expected}.\nhint: something blocks the thread \
                 instead of awaiting: a loop that never reaches an `.await` (after a \
                 cancellation, say), `futures::executor::block_on`, or \
                 `std::thread::sleep`; or a task that never stops and keeps the \
                 runtime busy.\n",
                WALL_CLOCK_LIMIT.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    if let Err(panic) = runner.join() {
        // The test failed on its thread: fail here with the same message.
        std::panic::resume_unwind(panic);
    }
}

/// Awaits `work`, or fails the test if it takes longer than `limit`.
///
/// `what` names the work ("fan_out over 4 calls"), `hint` says what probably went
/// wrong if it never finished.
///
/// ```should_panic
/// use lessons::kit::{grading, ms};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// grading::within(ms(10), "waiting on nothing", "it never ends", std::future::pending::<()>()).await;
/// # }
/// ```
pub async fn within<F: Future>(limit: Duration, what: &str, hint: &str, work: F) -> F::Output {
    match tokio::time::timeout(limit, work).await {
        Ok(output) => output,
        Err(_) => panic!(
            "\n{what} did not finish within {} ms.\nhint: {hint}\n",
            limit.as_millis()
        ),
    }
}

/// Lets every task that is ready run, so that counters reflect what has happened.
///
/// Under the current-thread runtime of a grader, spawned tasks run only when the test
/// yields; this yields enough times for a chain of wake-ups to play out.
pub async fn let_tasks_run() {
    for _ in 0..64 {
        tokio::task::yield_now().await;
    }
}
