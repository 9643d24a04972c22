//! Grader for exercise 13: `no_task_outlives` fails on a server that leaves a task
//! behind, naming it, and passes one that leaves nothing.
//!
//! Shared by the exercise, the solution and the known mistakes (see `ex01_fan_out.rs`).
//! The subject is itself a test, so the grader plays the learner's test suite: it calls
//! the check as a plain `#[test]` would (on a thread of its own, outside any runtime)
//! against a small shop server built here in several versions, one clean and the
//! others each leaking in one way, and reads the verdict. The check serves real
//! sockets on 127.0.0.1 on a runtime of its own, so these tests run on the real clock;
//! their bounds are far apart from what a wrong answer does. Every leaked task holds a
//! guard the grader counts, so the grader also sees what is still running after the
//! check has returned. When a verdict is wrong, the message is chosen by what the check
//! reported (which names, how many unnamed, how soon), so that it points at the cause.
//!
//! The classes of half-right answers, and where each is caught:
//! * right eventually, wrong now: counted the moment the server has stopped, a task
//!   that ends 100 ms later (every shop's log flusher) is a false alarm
//!   (`a_clean_server_passes`, and every leaky shop's count); a count that waits
//!   without a bound turns a real leak into a test that never ends (every leaky shop,
//!   bounded by `within`);
//! * right until shutdown, wrong after it: a server never stopped (its `JoinHandle`
//!   dropped, which detaches it) is reported with its accept loop and everything tied
//!   to it (`a_clean_server_passes`); a baseline taken once the server was up hides
//!   the server's own tasks, so a background task that outlives the server is never
//!   reported, and every leak is undercounted
//!   (`a_background_task_of_the_server_is_checked_too`, `a_leak_is_reported_and_named`);
//!   a runtime never shut down leaves the leaked tasks running after the check
//!   (`nothing_the_server_leaked_runs_on_after_the_check`);
//! * racy on many: checks run side by side on a runtime they share count each
//!   other's tasks, goleak's trouble with `t.Parallel`
//!   (`checks_side_by_side_count_only_their_own_server`);
//! * the contract: the leak is named when the registry knows it
//!   (`a_leak_is_reported_and_named`), and counted when it does not
//!   (`a_task_spawned_outside_the_registry_is_still_counted`);
//! * a silent peer: a blocking call that never returns (on `spawn_blocking`, where it
//!   belongs) must not hang the check: dropping a runtime waits for its blocking
//!   threads, for ever for that one (`a_blocking_call_that_never_returns_does_not_hang_the_check`);
//!   and a request that never gets its answer keeps its connection open, so a graceful
//!   shutdown awaited with no bound waits for ever; the check must still give its
//!   verdict, and count the connection's task
//!   (`a_connection_that_never_finishes_does_not_hang_the_check`);
//! * the demo's sizes: leaks of 1, 3, 5, 10 and 30 tasks, each counted exactly.
//!
//! Not applicable: a caller that drops the check (it is a blocking call, not a future).

use std::future::Future;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use futures::future::{BoxFuture, FutureExt, join_all};
use lessons::kit::grading::{threaded, within};
use lessons::kit::{TaskRegistry, ms, wait_until};
use tokio::io::AsyncWriteExt;
use tokio::sync::{Barrier, oneshot};
use tokio_util::sync::{CancellationToken, DropGuard};

use super::subject::{Leak, no_task_outlives};

/// The grace every check is given.
const GRACE: Duration = ms(500);
/// How long the shop's log flusher writes after the server has stopped: well within
/// the grace, far beyond the instant of the shutdown.
const FLUSH: Duration = ms(100);
/// The longest a right check takes here: the grace for the tasks, the grace again for
/// a runtime with a stuck blocking thread to stop, and room for a busy machine.
const VERDICT_LIMIT: Duration = Duration::from_secs(3);
const HANGS: &str = "a leak test must fail, never hang: is the check waiting, with no \
                     bound, for a task that never ends (a JoinHandle, a TaskTracker's \
                     wait(), a count that never reaches zero)? Bound every wait by the grace.";

/// The versions of the shop server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shop {
    /// Leaves nothing: its refresher and price pumps stop with the server, its log
    /// flusher ends [`FLUSH`] after it, its reports within 30 ms of their request.
    Clean,
    /// Each `/subscribe` starts a price pump, through the registry, that never ends.
    LeaksPumps,
    /// The same pumps, started with a plain `tokio::spawn`: the registry never sees them.
    LeaksUnnamedPumps,
    /// Its cache refresher, started with the server, is never told to stop.
    LeaksRefresher,
    /// Each `/export` makes a blocking call that never returns (until the grader lets
    /// it go), on `spawn_blocking`, awaited by a task of the registry's.
    Stuck,
}

/// What the grader sees of a check from outside its runtime.
#[derive(Clone, Default)]
struct Probe {
    /// Price pumps and stuck exports whose futures have not been dropped yet.
    running: Arc<AtomicUsize>,
    /// Requests the drive got a 200 for.
    answered: Arc<AtomicUsize>,
    /// Set when the test is over, however it ends: a stuck export lets its thread go.
    released: Arc<AtomicBool>,
    /// Requests to `/hang` that reached their handler.
    hung: Arc<AtomicUsize>,
    /// The client ends of connections the drive left open, outside any runtime: they
    /// stay open until the test is over.
    held: Arc<Mutex<Vec<std::net::TcpStream>>>,
}

impl Probe {
    fn running(&self) -> usize {
        self.running.load(Ordering::SeqCst)
    }

    fn answered(&self) -> usize {
        self.answered.load(Ordering::SeqCst)
    }

    fn hung(&self) -> usize {
        self.hung.load(Ordering::SeqCst)
    }

    /// Lets every stuck export go when dropped, even when the test fails.
    fn release_on_drop(&self) -> Release {
        Release(self.released.clone())
    }
}

/// Sets its flag when dropped.
struct Release(Arc<AtomicBool>);

impl Drop for Release {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Counted in [`Probe::running`] from its making until it is dropped, with the task
/// that holds it.
struct Running(Arc<AtomicUsize>);

impl Running {
    fn new(probe: &Probe) -> Self {
        probe.running.fetch_add(1, Ordering::SeqCst);
        Running(probe.running.clone())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What the shop's handlers share.
#[derive(Clone)]
struct ShopState {
    tasks: TaskRegistry,
    shop: Shop,
    probe: Probe,
    /// Cancelled when the server is gone: when the last clone of this state drops.
    stopped: CancellationToken,
    /// Cancels `stopped` when the last clone of the state drops.
    _cancel_when_dropped: Arc<DropGuard>,
}

/// Waits `period`, for ever: a loop with no way out.
async fn tick_for_ever(period: Duration) {
    loop {
        tokio::time::sleep(period).await;
    }
}

/// The shop's `make_server`, as the check takes it.
fn shop(kind: Shop, probe: &Probe) -> impl FnOnce(TaskRegistry) -> Router + Send + 'static {
    let probe = probe.clone();
    move |tasks: TaskRegistry| {
        let stopped = CancellationToken::new();
        let refresher = stopped.clone();
        tasks.spawn("cache-refresher", async move {
            if kind == Shop::LeaksRefresher {
                // LEAK: nothing tells the refresher the server has stopped.
                tick_for_ever(ms(20)).await;
            } else {
                tokio::select! {
                    () = refresher.cancelled() => {}
                    () = tick_for_ever(ms(20)) => {}
                }
            }
        });
        let flusher = stopped.clone();
        tasks.spawn("log-flusher", async move {
            flusher.cancelled().await;
            // Writes out what is buffered: ends a moment after the server.
            tokio::time::sleep(FLUSH).await;
        });
        let state = ShopState {
            tasks,
            shop: kind,
            probe,
            stopped: stopped.clone(),
            _cancel_when_dropped: Arc::new(stopped.drop_guard()),
        };
        Router::new()
            .route("/price", get(|| async { "42" }))
            .route("/report", get(report))
            .route("/subscribe", get(subscribe))
            .route("/export", get(export))
            .route("/hang", get(hang))
            .with_state(state)
    }
}

/// Renders a report in the background: a task that ends 30 ms later.
async fn report(State(state): State<ShopState>) -> &'static str {
    state
        .tasks
        .spawn("render-report", tokio::time::sleep(ms(30)));
    "report queued"
}

/// Starts pushing price updates to the caller.
async fn subscribe(State(state): State<ShopState>) -> &'static str {
    let running = Running::new(&state.probe);
    let pump = async move {
        let _running = running;
        tick_for_ever(ms(100)).await;
    };
    match state.shop {
        Shop::LeaksPumps => {
            // LEAK: the pump ends never, not with the subscriber, not with the server.
            state.tasks.spawn("price-pump", pump);
        }
        Shop::LeaksUnnamedPumps => {
            // LEAK: the same, spawned where the registry cannot see it.
            tokio::spawn(pump);
        }
        _ => {
            let stopped = state.stopped.clone();
            state.tasks.spawn("price-pump", async move {
                tokio::select! {
                    () = stopped.cancelled() => {}
                    () = pump => {}
                }
            });
        }
    }
    "subscribed"
}

/// Exports the catalogue in the background. In the stuck shop, with a blocking call
/// (a file lock, a driver with no timeout) that never returns.
async fn export(State(state): State<ShopState>) -> &'static str {
    if state.shop == Shop::Stuck {
        let running = Running::new(&state.probe);
        let released = state.probe.released.clone();
        state.tasks.spawn("export", async move {
            let _running = running;
            // LEAK: off the async workers, as blocking work should be, and never back.
            // The grader lets it go when the test is over (at most 20 s on its own).
            let blocking = tokio::task::spawn_blocking(move || {
                let started = Instant::now();
                while !released.load(Ordering::SeqCst)
                    && started.elapsed() < Duration::from_secs(20)
                {
                    std::thread::sleep(ms(5));
                }
            });
            let _ = blocking.await;
        });
    }
    "export started"
}

/// Never answers: a handler waiting on something that never comes (a lock, a peer), in
/// every version of the shop. Its connection stays open, and a graceful shutdown waits
/// for it.
async fn hang(State(state): State<ShopState>) -> &'static str {
    state.probe.hung.fetch_add(1, Ordering::SeqCst);
    std::future::pending::<()>().await;
    "never"
}

/// A drive that sends `GET /hang` on a connection of its own and does not wait for the
/// answer: once the handler has the request, it leaves the connection open (held by
/// the probe, on no runtime) and returns.
fn drive_hanging(
    probe: &Probe,
) -> impl FnOnce(SocketAddr) -> BoxFuture<'static, ()> + Send + 'static {
    let probe = probe.clone();
    move |addr: SocketAddr| {
        async move {
            let mut connection = tokio::net::TcpStream::connect(addr)
                .await
                .expect("the shop accepts a connection");
            connection
                .write_all(b"GET /hang HTTP/1.1\r\nhost: shop\r\n\r\n")
                .await
                .expect("the shop reads the request");
            wait_until(ms(1000), || probe.hung() > 0).await;
            let connection = connection
                .into_std()
                .expect("a tokio socket becomes a std one");
            probe.held.lock().unwrap().push(connection);
        }
        .boxed()
    }
}

/// A drive: `GET` each path in turn on the address the check gives, counting the 200s.
/// With `gates`, it waits at the first before its requests and at the second after, so
/// that checks run side by side overlap.
fn drive(
    paths: Vec<&'static str>,
    probe: &Probe,
    gates: Option<(Arc<Barrier>, Arc<Barrier>)>,
) -> impl FnOnce(SocketAddr) -> BoxFuture<'static, ()> + Send + 'static {
    let answered = probe.answered.clone();
    move |addr: SocketAddr| {
        async move {
            if let Some((before, _)) = &gates {
                before.wait().await;
            }
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(2))
                .pool_max_idle_per_host(0)
                .build()
                .expect("a plain HTTP client builds");
            for path in paths {
                let sent = client.get(format!("http://{addr}{path}")).send().await;
                if sent.is_ok_and(|response| response.status().is_success()) {
                    answered.fetch_add(1, Ordering::SeqCst);
                }
            }
            if let Some((_, after)) = &gates {
                after.wait().await;
            }
        }
        .boxed()
    }
}

/// Calls the check as a test would, on a thread of its own outside any runtime, and
/// returns its verdict and how long it took. Fails the test if the check takes longer
/// than [`VERDICT_LIMIT`] (`hang_hint` says why it might), and carries its panic on.
async fn verdict<D, F>(
    make_server: impl FnOnce(TaskRegistry) -> Router + Send + 'static,
    drive: D,
    hang_hint: &str,
) -> (Result<(), Leak>, Duration)
where
    D: FnOnce(SocketAddr) -> F + Send + 'static,
    F: Future<Output = ()> + Send + 'static,
{
    let (sender, receiver) = oneshot::channel();
    let started = Instant::now();
    let name = std::thread::current().name().unwrap_or("check").to_owned();
    std::thread::Builder::new()
        .name(name)
        .spawn(move || {
            let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
                no_task_outlives(make_server, drive, GRACE)
            }));
            let _ = sender.send(outcome);
        })
        .expect("the system starts a thread");
    let outcome = within(VERDICT_LIMIT, "no_task_outlives", hang_hint, receiver).await;
    match outcome {
        Ok(Ok(verdict)) => (verdict, started.elapsed()),
        Ok(Err(panic)) => {
            let message = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("a panic that is not text");
            if message.starts_with("not yet implemented") {
                // The stub: carry its `todo!()` on as it is.
                std::panic::resume_unwind(panic);
            }
            panic!(
                "your check panicked: {message}\nhint: make_server spawns the shop's \
                 background tasks, so call it inside the runtime (in block_on); and no \
                 leak is a reason to panic: return it, as Err(Leak)."
            );
        }
        Err(_) => panic!("the check's thread ended without a verdict and without a panic"),
    }
}

/// The named groups of a leak, as `name×count`, for the messages.
fn names(leak: &Leak) -> String {
    let groups: Vec<_> = leak
        .named
        .groups
        .iter()
        .map(|group| format!("{}×{}", group.name, group.count))
        .collect();
    if groups.is_empty() {
        "none".to_owned()
    } else {
        groups.join(", ")
    }
}

/// What `leak` says, in one line, for the messages.
fn said(leak: &Leak) -> String {
    format!("alive={}, named: {}", leak.alive, names(leak))
}

/// Why a check reported tasks that are not leaks: `extra` are the names it gave them,
/// `unnamed` whether it counted tasks beyond those the registry knows, `took` how long
/// the check ran (a right one takes at least [`FLUSH`]: the flusher ends then).
fn false_alarm_hint(extra: &[&str], unnamed: bool, took: Duration) -> String {
    let named = |name: &str| extra.contains(&name);
    if took < FLUSH {
        format!(
            "your check gave its verdict {} ms after it began: at the moment the server \
             stopped, when the shop's refresher and pumps are ending with it, its log \
             flusher has 100 ms to go, and its reports end 30 ms after their request. \
             Tasks that end soon after the shutdown are not leaks: give them the grace \
             (wait, up to the grace, for the count to reach zero), then count.",
            took.as_millis()
        )
    } else if named("cache-refresher") || named("price-pump") {
        "the shop's refresher and its price pumps stop when the server does: was the server \
         still running when you counted? Shut it down gracefully and wait for it to end \
         (TestServer::shutdown) before counting. Dropping the JoinHandle of a spawned \
         server does not stop it: the accept loop runs on, and holds the router and \
         everything tied to it."
            .to_owned()
    } else if named("log-flusher") {
        format!(
            "the log flusher ends 100 ms after the server has stopped, and your check, \
             {} ms after it began, still counted it: the server was still running when you \
             counted (a server whose JoinHandle is dropped is not stopped: its accept loop \
             runs on and holds the router), or the grace was spent before the shutdown \
             instead of after it. Shut the server down gracefully and wait for it, then \
             give the rest the grace, then count.",
            took.as_millis()
        )
    } else if named("render-report") {
        "the reports end 30 ms after their request: tasks that end soon after the shutdown \
         are not leaks. Give them the grace: wait, up to the grace, for the count to reach \
         zero, and count then."
            .to_owned()
    } else if unnamed {
        "tasks the registry does not know were counted: the server's own accept loop, or \
         its connections? Shut the server down gracefully and wait for it, then give the \
         rest the grace, then count. On a runtime of its own, nothing else is there."
            .to_owned()
    } else {
        "a task that ends within the grace is not a leak: count once the server has shut \
         down and the grace has given the rest time to end."
            .to_owned()
    }
}

/// What is wrong with `leak`, when exactly `expected` tasks outlived the server, all
/// named `name` by the registry (or none of them known to it, with `None`); `None` when
/// nothing is.
fn diagnose(leak: &Leak, expected: usize, name: Option<&str>, took: Duration) -> Option<String> {
    let extra: Vec<&str> = leak
        .named
        .groups
        .iter()
        .map(|group| group.name)
        .filter(|&group| Some(group) != name)
        .collect();
    let expected_named = if name.is_some() { expected } else { 0 };
    let from_this_file = leak
        .named
        .groups
        .iter()
        .all(|group| group.spawned_at.contains("ex13_leak_test.rs"));
    if leak.alive == expected
        && extra.is_empty()
        && leak.named.total() == expected_named
        && from_this_file
    {
        return None;
    }
    let unnamed = leak.alive > leak.named.total() + expected - expected_named;
    let hint = if !extra.is_empty() || leak.alive > expected {
        false_alarm_hint(&extra, unnamed, took)
    } else if leak.alive < expected {
        "some of the leaked tasks were not counted. A baseline taken once the server was up \
         counts the server's own tasks (its accept loop, its background tasks) as if they \
         were always there: they end at shutdown, and the leak is undercounted by as many. \
         On a runtime of its own the count starts at zero: count every task alive \
         (num_alive_tasks), with no baseline."
            .to_owned()
    } else if leak.named.total() < expected_named {
        "the tasks were counted but not named. The server spawned them through the \
         registry make_server was given: its snapshot says what they are and where they \
         were spawned. A count says that something leaked; a name says where to look."
            .to_owned()
    } else {
        "the Leak's names should be the registry's snapshot, taken when you count, after \
         the grace, with the line that spawned each group."
            .to_owned()
    };
    Some(format!("your check said {}.\n{hint}", said(leak)))
}

/// The verdict on a leaky shop: its leak, or a failure saying that the check passed it.
fn expect_leak(verdict: Result<(), Leak>, what_leaks: &str, why_missed: &str) -> Leak {
    match verdict {
        Err(leak) => leak,
        Ok(()) => panic!("{what_leaks}, and your check passed the server. {why_missed}"),
    }
}

#[test]
fn a_clean_server_passes() {
    threaded(|| async {
        let probe = Probe::default();
        let paths = vec![
            "/price",
            "/report",
            "/subscribe",
            "/price",
            "/report",
            "/subscribe",
        ];
        let (verdict, took) =
            verdict(shop(Shop::Clean, &probe), drive(paths, &probe, None), HANGS).await;
        assert_eq!(
            probe.answered(),
            6,
            "the drive got {} answers of 200 out of 6: the check should serve the router \
             make_server builds on 127.0.0.1, and run the drive with the address it \
             listens on, while it serves",
            probe.answered()
        );
        if let Err(leak) = verdict {
            let extra: Vec<&str> = leak.named.groups.iter().map(|group| group.name).collect();
            panic!(
                "the shop leaves nothing behind, and after {} ms your check reported:\n{leak}\
                 {}",
                took.as_millis(),
                false_alarm_hint(&extra, leak.alive > leak.named.total(), took)
            );
        }
    });
}

#[test]
fn a_leak_is_reported_and_named() {
    threaded(|| async {
        let probe = Probe::default();
        let paths = vec!["/subscribe"; 5];
        let (verdict, took) = verdict(
            shop(Shop::LeaksPumps, &probe),
            drive(paths, &probe, None),
            HANGS,
        )
        .await;
        let leak = expect_leak(
            verdict,
            "5 price pumps never end",
            "On a runtime of its own, every task still alive once the server has shut down \
             and the grace has run out is a leak: count them all (num_alive_tasks), with no \
             baseline.",
        );
        if let Some(wrong) = diagnose(&leak, 5, Some("price-pump"), took) {
            panic!(
                "5 price pumps, spawned through the registry, outlive the server, and nothing \
                 else does: the Leak should count 5 and name them, with the line that \
                 spawned them; {wrong}"
            );
        }
    });
}

#[test]
fn a_task_spawned_outside_the_registry_is_still_counted() {
    threaded(|| async {
        let probe = Probe::default();
        let paths = vec!["/subscribe"; 3];
        let (verdict, took) = verdict(
            shop(Shop::LeaksUnnamedPumps, &probe),
            drive(paths, &probe, None),
            HANGS,
        )
        .await;
        let leak = expect_leak(
            verdict,
            "3 price pumps started with a plain tokio::spawn never end",
            "The registry lists only what was spawned through it; a library's task, or a \
             spawn someone forgot to route through it, is missing there. The runtime's count \
             (Handle::metrics().num_alive_tasks()) sees every async task, spawned through \
             the registry or not: decide on the count, and \
             name what the registry can.",
        );
        if let Some(wrong) = diagnose(&leak, 3, None, took) {
            panic!(
                "3 price pumps the registry never saw outlive the server, and nothing else \
                 does: the Leak should count 3 and name none; {wrong}"
            );
        }
    });
}

#[test]
fn a_background_task_of_the_server_is_checked_too() {
    threaded(|| async {
        let probe = Probe::default();
        let (verdict, took) = verdict(
            shop(Shop::LeaksRefresher, &probe),
            drive(vec!["/price"], &probe, None),
            HANGS,
        )
        .await;
        let leak = expect_leak(
            verdict,
            "the shop's cache refresher, started with the server, is never told to stop and \
             runs on after it",
            "A baseline taken once the server was up counts the refresher as the server's \
             own; then the server's accept loop ends at shutdown and makes room for it. Count \
             from zero, on a runtime of its own, once the server is gone: what the server \
             started is the server's to stop.",
        );
        if let Some(wrong) = diagnose(&leak, 1, Some("cache-refresher"), took) {
            panic!("the cache refresher alone outlives the server; {wrong}");
        }
    });
}

#[test]
fn checks_side_by_side_count_only_their_own_server() {
    threaded(|| async {
        // Four checks at once, as cargo test runs tests: two clean shops, and two that
        // leak 10 and 30 pumps. The drives wait for each other, so every check's count
        // falls while the others' servers and pumps are alive.
        let plans = [
            (Shop::Clean, 0),
            (Shop::LeaksPumps, 10),
            (Shop::Clean, 0),
            (Shop::LeaksPumps, 30),
        ];
        let gates = (
            Arc::new(Barrier::new(plans.len())),
            Arc::new(Barrier::new(plans.len())),
        );
        let probes: Vec<Probe> = plans.iter().map(|_| Probe::default()).collect();
        let checks = plans.iter().zip(&probes).map(|(&(kind, pumps), probe)| {
            let mut paths = vec!["/price", "/report"];
            paths.extend(std::iter::repeat_n("/subscribe", pumps));
            verdict(
                shop(kind, probe),
                drive(paths, probe, Some(gates.clone())),
                "four checks run at once never all returned: does each run the drive it \
                 was given (the drives wait for each other)? Or is one waiting, with no \
                 bound, for a task that never ends?",
            )
        });
        let verdicts = join_all(checks).await;
        let right =
            verdicts
                .iter()
                .zip(&plans)
                .all(|((verdict, took), &(_, pumps))| match verdict {
                    Ok(()) => pumps == 0,
                    Err(leak) => {
                        pumps > 0 && diagnose(leak, pumps, Some("price-pump"), *took).is_none()
                    }
                });
        let said: Vec<String> = verdicts
            .iter()
            .map(|(verdict, _)| match verdict {
                Ok(()) => "passed".to_owned(),
                Err(leak) => said(leak),
            })
            .collect();
        assert!(
            right,
            "four checks ran at once, each on a server of its own: clean, leaking 10 \
             pumps, clean, leaking 30. Your check said: {}. Each check must count its own \
             server's tasks and no one else's: on a runtime the checks share (one built \
             once for all of them, or the caller's), each counts the others' servers and \
             pumps too, and neither a baseline nor a snapshot taken before can tell them \
             apart. goleak has the same trouble with t.Parallel; a runtime per check does \
             not.",
            said.join("; ")
        );
    });
}

#[test]
fn nothing_the_server_leaked_runs_on_after_the_check() {
    threaded(|| async {
        let probe = Probe::default();
        let paths = vec!["/subscribe"; 5];
        let (verdict, _) = verdict(
            shop(Shop::LeaksPumps, &probe),
            drive(paths, &probe, None),
            HANGS,
        )
        .await;
        expect_leak(
            verdict,
            "5 price pumps never end",
            "Every task alive once the server is gone and the grace has run out is a leak.",
        );
        // A runtime shut down has dropped every task it held; allow it a moment.
        wait_until(ms(200), || probe.running() == 0).await;
        assert_eq!(
            probe.running(),
            0,
            "{} of the 5 leaked pumps were still running after your check had returned: \
             the runtime they run on was never shut down. A leak test that leaves the \
             leaked tasks running, and the runtime's threads with them, hands its leak to \
             every test after it. Build the runtime in the check, and shut it down before \
             returning (Runtime::shutdown_timeout).",
            probe.running()
        );
    });
}

#[test]
fn a_blocking_call_that_never_returns_does_not_hang_the_check() {
    threaded(|| async {
        let probe = Probe::default();
        let _release = probe.release_on_drop();
        let (verdict, took) = verdict(
            shop(Shop::Stuck, &probe),
            drive(vec!["/export"], &probe, None),
            "the export's blocking call never returns, and your check never returned \
             either. Dropping a runtime waits for its threads, the blocking pool's too \
             (spawn_blocking), for ever for one that never comes back: stop the runtime \
             with Runtime::shutdown_timeout, which gives them a bound and then leaves them.",
        )
        .await;
        let leak = expect_leak(
            verdict,
            "the export never ends",
            "The task that awaits it is alive, so it is counted like any other.",
        );
        if let Some(wrong) = diagnose(&leak, 1, Some("export"), took) {
            panic!("the export, waiting on its blocking call, alone outlives the server; {wrong}");
        }
    });
}

#[test]
fn a_connection_that_never_finishes_does_not_hang_the_check() {
    threaded(|| async {
        let probe = Probe::default();
        let (verdict, took) = verdict(
            shop(Shop::Clean, &probe),
            drive_hanging(&probe),
            "the drive left a request to /hang open, which is never answered, and your \
             check never returned. A graceful shutdown waits for every open connection to \
             finish, for ever for this one: bound the wait for the shutdown by the grace \
             (tokio::time::timeout around it), then count what is left.",
        )
        .await;
        assert_eq!(
            probe.hung(),
            1,
            "the drive's request to /hang never reached its handler: the check should serve \
             the router make_server builds, and run the drive while it serves"
        );
        let leak = expect_leak(
            verdict,
            "a request to /hang is never answered, so its connection, and the server that \
             waits for it, outlive the shutdown",
            "Every task alive once the grace has run out is a leak, a connection's too.",
        );
        assert!(
            leak.alive > leak.named.total(),
            "a request to /hang is never answered: its connection's task (axum spawns one \
             per connection, outside the registry) outlives the shutdown, and after {} ms \
             your check said {}. Count every task alive on the runtime \
             (num_alive_tasks), not only those the registry names.",
            took.as_millis(),
            said(&leak)
        );
    });
}
