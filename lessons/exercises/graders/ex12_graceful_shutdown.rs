//! Grader for exercise 12: `serve_until_stopped` serves until the stop, then stops
//! accepting, drains the requests under way up to a deadline, cuts the rest, and waits,
//! within a bound, for the work its handlers left in the background.
//!
//! Shared by the exercise, the solution and the known mistakes (see `ex01_fan_out.rs`).
//! The lesson is about real connections closing, so every test serves real HTTP on
//! 127.0.0.1, on the multi-thread runtime and the real clock. Their margins are wide:
//! the requests that should finish end hundreds of milliseconds before their deadline,
//! and the waits that should end early are judged against the deadline they would
//! otherwise run into. Every wait is bounded, the learner's function included.
//!
//! The classes of half-right answers, and where each is caught:
//! * right until shutdown, wrong after it: returning at the stop, with the requests
//!   under way still being handled (`every_request_under_way_at_the_stop_is_answered`);
//!   a listener still open during the drain (`no_new_connection_is_accepted_during_the_drain`);
//!   background work left running at the return (`background_work_is_waited_for`);
//! * right against a quick request, wrong against one that never ends: a drain with no
//!   deadline, and a "cut" that drops axum's future while the connection tasks it
//!   spawned run on (`a_request_that_never_ends_is_cut_at_the_deadline`); the same for
//!   the background (`background_work_that_never_ends_does_not_hold_the_exit`);
//! * right eventually, wrong now: a deadline counted from when serving began, which
//!   cuts requests that had plenty of time (`the_deadline_counts_from_the_stop`); a
//!   return at the deadline when everything was done long before, such as a tracker
//!   waited on without being closed (`background_work_is_waited_for`, and the first test);
//! * right on one run, wrong on another: at a stop with nothing to drain, the server's
//!   future may end at once and win a `select!` against the stop; polled again, it
//!   panics. Chance decides which branch wins, so the idle stop is played 50 times
//!   (`an_idle_server_stops_at_once_every_time`, which also catches a return at the
//!   deadline with nothing to wait for);
//! * many threads: every test runs on eight worker threads, twelve requests at once in
//!   the first, so the counts in the summary are shared between threads;
//! * the contract: the function's future runs on a spawned task, so it must be `Send`
//!   (checked when this file compiles); a cut request is answered 503, not reset.
//!
//! * right against a quick peer, wrong against a slow one: a peer that trickles its
//!   request headers never reaches the router, so a layer cannot cut it; the function
//!   must still return shortly after the deadline and leave its connection closed
//!   (`a_peer_that_trickles_its_request_does_not_hold_the_exit`); keep-alive
//!   connections, idle or busy at the stop, must close too, and a second request on
//!   one must not be served as if nothing had happened
//!   (`keep_alive_connections_are_closed_too`);
//! * right on the demo's sizes, wrong beyond them: `drain` taken as a time limit on
//!   every request, which cuts requests longer than it with no stop at all
//!   (`before_the_stop_no_request_is_cut`) and one well under way at the stop before
//!   its deadline (`a_request_longer_than_the_drain_may_finish_inside_the_deadline`);
//!   background work spawned during the drain, which a wait on the tracker begun at
//!   the stop does not see (`work_spawned_during_the_drain_is_waited_for`).
//!
//! Not applicable: a caller that drops the function (a server's `main` awaits it to
//! the end).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use lessons::kit::grading::{threaded, within};
use lessons::kit::{InFlight, ms, wait_until};
use reqwest::StatusCode;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::subject::{Shutdown, serve_until_stopped};

/// What the grader's handlers share: who is being handled, and the background tracker.
#[derive(Clone)]
struct Handlers {
    under_way: InFlight,
    background: TaskTracker,
}

/// Takes `ms` milliseconds to answer.
async fn sleep(State(handlers): State<Handlers>, Path(ms): Path<u64>) -> &'static str {
    let _counted = handlers.under_way.enter();
    tokio::time::sleep(Duration::from_millis(ms)).await;
    "slept\n"
}

/// Never answers: a stuck upstream, a client that streams for ever.
async fn forever(State(handlers): State<Handlers>) -> &'static str {
    let _counted = handlers.under_way.enter();
    std::future::pending::<()>().await;
    "never\n"
}

/// Answers at once, and leaves work of `ms` milliseconds on the background tracker.
async fn audit(State(handlers): State<Handlers>, Path(ms): Path<u64>) -> &'static str {
    handlers
        .background
        .spawn(tokio::time::sleep(Duration::from_millis(ms)));
    "audited later\n"
}

/// Takes 200 ms, then leaves 300 ms of work on the background tracker and answers:
/// work spawned during the drain, after the stop.
async fn work_then_audit(State(handlers): State<Handlers>) -> &'static str {
    let _counted = handlers.under_way.enter();
    tokio::time::sleep(Duration::from_millis(200)).await;
    handlers
        .background
        .spawn(tokio::time::sleep(Duration::from_millis(300)));
    "worked, audited later\n"
}

/// Answers at once, and leaves work on the background tracker that never ends.
async fn stuck_audit(State(handlers): State<Handlers>) -> &'static str {
    handlers.background.spawn(std::future::pending::<()>());
    "audited never\n"
}

/// What the learner's function returned, and what was still running when it did.
struct Returned {
    summary: Shutdown,
    at: Instant,
    /// Requests still being handled at the return.
    under_way: usize,
    /// Background tasks still running at the return.
    background: usize,
}

/// A server under the learner's function, and what the grader watches it with.
struct Started {
    addr: SocketAddr,
    stop: CancellationToken,
    under_way: InFlight,
    /// The learner's function, on a task of its own.
    serving: JoinHandle<Returned>,
    client: reqwest::Client,
}

/// A client that opens a connection for every request, so that the idle connections of
/// a pool play no part where a test is not about them.
fn one_connection_per_request() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .connect_timeout(ms(1000))
        .timeout(Duration::from_secs(5))
        .build()
        .expect("a plain-HTTP client always builds")
}

async fn start(drain: Duration) -> Started {
    start_with(drain, one_connection_per_request()).await
}

async fn start_with(drain: Duration, client: reqwest::Client) -> Started {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let addr = listener.local_addr().expect("a bound address");
    let (under_way, background) = (InFlight::default(), TaskTracker::new());
    let router = Router::new()
        .route("/sleep/{ms}", get(sleep))
        .route("/forever", get(forever))
        .route("/audit/{ms}", get(audit))
        .route("/stuck", get(stuck_audit))
        .route("/work_then_audit", get(work_then_audit))
        .with_state(Handlers {
            under_way: under_way.clone(),
            background: background.clone(),
        });
    let stop = CancellationToken::new();
    let serving = tokio::spawn({
        let (stop, under_way) = (stop.clone(), under_way.clone());
        async move {
            let summary =
                serve_until_stopped(listener, router, stop, drain, background.clone()).await;
            Returned {
                summary,
                at: Instant::now(),
                under_way: under_way.now(),
                background: background.len(),
            }
        }
    });
    let mut started = Started {
        addr,
        stop,
        under_way,
        serving,
        client,
    };
    started.answering().await;
    started
}

impl Started {
    /// Waits until the server answers, or fails with what the function did instead.
    async fn answering(&mut self) {
        for _ in 0..300 {
            if let Ok(Ok(StatusCode::OK)) = self.send("/sleep/0").await {
                return;
            }
            if self.serving.is_finished() {
                match (&mut self.serving).await {
                    Err(failed) if failed.is_panic() => {
                        std::panic::resume_unwind(failed.into_panic())
                    }
                    _ => panic!(
                        "serve_until_stopped returned before the stop: it should serve until \
                         `stop` is cancelled"
                    ),
                }
            }
            tokio::time::sleep(ms(10)).await;
        }
        panic!(
            "the server did not answer within 3 s: does serve_until_stopped serve the router \
             it is given on the listener it is given?"
        );
    }

    /// Sends `GET path` on a task; its status, or the error the client got.
    fn send(&self, path: &str) -> JoinHandle<Result<StatusCode, reqwest::Error>> {
        let request = self.client.get(format!("http://{}{path}", self.addr));
        tokio::spawn(async move {
            let response = request.send().await?;
            let status = response.status();
            response.bytes().await?;
            Ok(status)
        })
    }

    /// Waits until `n` requests are being handled.
    async fn until_under_way(&self, n: usize) {
        let all_in = wait_until(ms(3000), || self.under_way.now() == n).await;
        assert!(
            all_in,
            "{n} requests were sent, and after 3 s {} were being handled: does \
             serve_until_stopped serve every request it is sent?",
            self.under_way.now()
        );
    }

    /// Cancels the stop; returns when.
    fn stop(&self) -> Instant {
        self.stop.cancel();
        Instant::now()
    }

    /// Waits for the learner's function to return, at most `limit`.
    async fn returned(self, limit: Duration, hint: &str) -> Returned {
        let ended = within(
            limit,
            "serve_until_stopped, after the stop",
            hint,
            self.serving,
        )
        .await;
        ended.unwrap_or_else(|failed| {
            let panic = failed.into_panic();
            let text = panic
                .downcast_ref::<&str>()
                .map(|text| (*text).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            if text.contains("after completion") {
                panic!(
                    "serve_until_stopped panicked: \"{text}\". A future that had ended was \
                     polled again. At the stop, a server with nothing to drain can end at \
                     once, and win the race against the stop itself: remember that it did, \
                     and do not await it a second time"
                );
            }
            std::panic::resume_unwind(panic)
        })
    }
}

/// The status a client got, or a panic that says what it got instead of `expected`.
async fn status_of(
    request: JoinHandle<Result<StatusCode, reqwest::Error>>,
    what: &str,
    expected: StatusCode,
    hint: &str,
) {
    let outcome = within(
        ms(6000),
        what,
        "the test client has its own timeout",
        request,
    )
    .await
    .expect("the client task does not panic");
    match outcome {
        Ok(status) if status == expected => {}
        Ok(status) => panic!("{what}: expected {expected}, got {status}. {hint}"),
        Err(error) => panic!("{what}: expected {expected}, got no answer ({error}). {hint}"),
    }
}

/// Checks what was still running when the function returned.
fn nothing_under_way(returned: &Returned, stopped: Instant) {
    assert_eq!(
        returned.under_way,
        0,
        "serve_until_stopped returned {} ms after the stop, with requests still being \
         handled ({}): the process exits right after it, and their clients get a reset \
         connection instead of an answer. axum runs each connection on a task of its own, \
         so dropping the future of axum::serve, or leaving it behind, stops none of them: \
         serve with_graceful_shutdown, await its future, and cut the requests themselves \
         at the deadline",
        returned.at.duration_since(stopped).as_millis(),
        returned.under_way
    );
}

const NO_DEADLINE: &str = "is the drain bounded? A request that never ends holds \
    with_graceful_shutdown's future for ever: await it under tokio::time::timeout, then cut \
    what is still running (a layer that races each request against a token) and close up";

#[test]
fn every_request_under_way_at_the_stop_is_answered() {
    threaded(|| async {
        const REQUESTS: usize = 12;
        let drain = ms(2000);
        let server = start(drain).await;
        // From 100 to 375 ms: all done long before the deadline.
        let requests: Vec<_> = (0..REQUESTS)
            .map(|n| server.send(&format!("/sleep/{}", 100 + 25 * n)))
            .collect();
        server.until_under_way(REQUESTS).await;
        let stopped = server.stop();
        let returned = server.returned(drain + ms(3000), NO_DEADLINE).await;
        nothing_under_way(&returned, stopped);
        for request in requests {
            status_of(
                request,
                "a request under way at the stop",
                StatusCode::OK,
                "It had until the deadline to finish, and needed far less",
            )
            .await;
        }
        assert_eq!(
            returned.summary,
            Shutdown {
                drained: REQUESTS,
                cut: 0
            },
            "the {REQUESTS} requests under way at the stop all finished after it, inside the \
             deadline: drained {REQUESTS}, cut 0"
        );
        let took = returned.at.duration_since(stopped);
        assert!(
            took < ms(1200),
            "the last request was done within 375 ms of the stop, and serve_until_stopped \
             returned after {} ms: return when the drain is over, not at the deadline (a \
             rolling deploy waits for every replica)",
            took.as_millis()
        );
    });
}

#[test]
fn an_idle_server_stops_at_once_every_time() {
    threaded(|| async {
        // Many rounds: at a stop with nothing to drain, which of two ready futures a
        // `select!` takes is left to chance.
        let client = one_connection_per_request();
        for _ in 0..ROUNDS {
            let drain = ms(1000);
            let server = start_with(drain, client.clone()).await;
            let stopped = server.stop();
            let returned = server.returned(drain * 3 + ms(2000), NO_DEADLINE).await;
            let took = returned.at.duration_since(stopped);
            assert!(
                took < ms(500),
                "with nothing under way and nothing in the background, serve_until_stopped \
                 returned {} ms after the stop: it should return at once, not at a deadline",
                took.as_millis()
            );
            assert_eq!(
                returned.summary,
                Shutdown::default(),
                "nothing was under way"
            );
        }
    });
}

/// Rounds of [`an_idle_server_stops_at_once_every_time`].
const ROUNDS: usize = 50;

#[test]
fn a_request_that_never_ends_is_cut_at_the_deadline() {
    threaded(|| async {
        let drain = ms(600);
        let server = start(drain).await;
        let endless = server.send("/forever");
        let short = server.send("/sleep/100");
        server.until_under_way(2).await;
        let stopped = server.stop();
        let returned = server.returned(drain + ms(2000), NO_DEADLINE).await;
        let took = returned.at.duration_since(stopped);
        assert!(
            took >= drain - ms(50),
            "serve_until_stopped returned {} ms after the stop, before the {} ms deadline: \
             the requests under way may run until then",
            took.as_millis(),
            drain.as_millis()
        );
        nothing_under_way(&returned, stopped);
        status_of(
            endless,
            "the request still running at the deadline",
            StatusCode::SERVICE_UNAVAILABLE,
            "a cut request is answered 503 (Service Unavailable), which its client or the \
             load balancer can retry on another replica",
        )
        .await;
        status_of(
            short,
            "a request that ended 100 ms after the stop",
            StatusCode::OK,
            "It finished inside the deadline",
        )
        .await;
        assert_eq!(
            returned.summary,
            Shutdown { drained: 1, cut: 1 },
            "one request finished during the drain, one was cut at the deadline"
        );
    });
}

#[test]
fn the_deadline_counts_from_the_stop() {
    threaded(|| async {
        let drain = ms(700);
        let server = start(drain).await;
        // Up for longer than the drain before anything happens.
        tokio::time::sleep(ms(1000)).await;
        let requests = [server.send("/sleep/200"), server.send("/sleep/200")];
        server.until_under_way(2).await;
        let stopped = server.stop();
        let returned = server.returned(drain + ms(2000), NO_DEADLINE).await;
        nothing_under_way(&returned, stopped);
        for request in requests {
            status_of(
                request,
                "a request of 200 ms under way at the stop, with a deadline 700 ms after it",
                StatusCode::OK,
                "It was cut though it had time to finish. The server had been up 1000 ms: is the \
                 deadline counted from when serving began? It counts from the stop",
            )
            .await;
        }
        assert_eq!(returned.summary, Shutdown { drained: 2, cut: 0 });
    });
}

#[test]
fn no_new_connection_is_accepted_during_the_drain() {
    threaded(|| async {
        let drain = ms(1000);
        let server = start(drain).await;
        // Keeps the drain going for its whole deadline.
        let endless = server.send("/forever");
        server.until_under_way(1).await;
        let stopped = server.stop();
        let mut answered = 0;
        let mut refused = false;
        for _ in 0..20 {
            tokio::time::sleep(ms(25)).await;
            match server.send("/sleep/0").await.expect("no panic") {
                Ok(_) => answered += 1,
                Err(error) if error.is_connect() => {
                    refused = true;
                    break;
                }
                Err(_) => {}
            }
        }
        assert!(
            refused,
            "new connections kept coming in during the drain: {answered} were answered over \
             the first {} ms after the stop. A server that is leaving should take no new \
             work: stop accepting at the stop (with_graceful_shutdown drops the listener when \
             its signal fires), so that clients go to another replica",
            stopped.elapsed().as_millis()
        );
        let returned = server.returned(drain + ms(2000), NO_DEADLINE).await;
        nothing_under_way(&returned, stopped);
        drop(endless);
    });
}

#[test]
fn background_work_is_waited_for() {
    threaded(|| async {
        let drain = ms(1500);
        let server = start(drain).await;
        for request in [server.send("/audit/300"), server.send("/audit/300")] {
            status_of(request, "a request that audits later", StatusCode::OK, "").await;
        }
        let stopped = server.stop();
        let returned = server
            .returned(
                drain * 3 + ms(2000),
                "is the background waited for with no bound?",
            )
            .await;
        assert_eq!(
            returned.background, 0,
            "serve_until_stopped returned while {} tasks the handlers had left on the \
             background tracker were still running: the process exits under them, and the \
             log line or the write they were making is lost. Wait for the tracker too, \
             within a bound",
            returned.background
        );
        let took = returned.at.duration_since(stopped);
        assert!(
            took < ms(1000),
            "the background work was done 300 ms after the stop, and serve_until_stopped \
             returned after {} ms. TaskTracker::wait resolves only once the tracker is \
             closed and empty: close() it before you wait",
            took.as_millis()
        );
        assert_eq!(
            returned.summary,
            Shutdown::default(),
            "nothing was under way"
        );
    });
}

#[test]
fn background_work_that_never_ends_does_not_hold_the_exit() {
    threaded(|| async {
        let drain = ms(400);
        let server = start(drain).await;
        let stuck = server.send("/stuck");
        status_of(
            stuck,
            "a request that leaves stuck work",
            StatusCode::OK,
            "",
        )
        .await;
        server.stop();
        server
            .returned(
                drain * 3 + ms(2000),
                "the wait for the background has no bound: one task that never ends holds \
                 the exit for ever, until the orchestrator kills the process. Wait for the \
                 tracker under tokio::time::timeout too",
            )
            .await;
    });
}

#[test]
fn a_request_longer_than_the_drain_may_finish_inside_the_deadline() {
    threaded(|| async {
        let drain = ms(600);
        let server = start(drain).await;
        // Started 500 ms before the stop, it ends 400 ms after it: inside the deadline,
        // though it takes longer than `drain` in all.
        let long = server.send("/sleep/900");
        server.until_under_way(1).await;
        tokio::time::sleep(ms(500)).await;
        let stopped = server.stop();
        let returned = server.returned(drain + ms(2000), NO_DEADLINE).await;
        nothing_under_way(&returned, stopped);
        status_of(
            long,
            "a request of 900 ms, 500 ms in at the stop, with a deadline 600 ms after it",
            StatusCode::OK,
            "It would have ended 400 ms after the stop, inside the deadline, and was cut. Is \
             `drain` a time limit on every request (a TimeoutLayer, a timeout in the layer)? The \
             deadline is one instant, counted from the stop, for all the requests under way",
        )
        .await;
        assert_eq!(returned.summary, Shutdown { drained: 1, cut: 0 });
    });
}

#[test]
fn before_the_stop_no_request_is_cut() {
    threaded(|| async {
        let drain = ms(300);
        let server = start(drain).await;
        status_of(
            server.send("/sleep/700"),
            "a request of 700 ms with no stop at all, the drain being 300 ms",
            StatusCode::OK,
            "Nothing had told the server to stop, and the request was cut: `drain` bounds \
             the shutdown, not every request. Is it a time limit on each request (a \
             TimeoutLayer, a timeout in the layer)? Cut only once the deadline after the \
             stop has passed",
        )
        .await;
        let stopped = server.stop();
        let returned = server.returned(drain * 3 + ms(2000), NO_DEADLINE).await;
        nothing_under_way(&returned, stopped);
        assert_eq!(
            returned.summary,
            Shutdown::default(),
            "the request ended before the stop"
        );
    });
}

#[test]
fn work_spawned_during_the_drain_is_waited_for() {
    threaded(|| async {
        let drain = ms(1500);
        let server = start(drain).await;
        // Under way at the stop: it spawns its background work 200 ms after it.
        let request = server.send("/work_then_audit");
        server.until_under_way(1).await;
        let stopped = server.stop();
        let returned = server
            .returned(
                drain * 3 + ms(2000),
                "is the background waited for with no bound?",
            )
            .await;
        nothing_under_way(&returned, stopped);
        assert_eq!(
            returned.background, 0,
            "serve_until_stopped returned while {} background tasks were still running. \
             They were spawned during the drain, by a request under way at the stop: was \
             the tracker waited for before the drain was over (at the stop, or beside the \
             drain)? Then wait() found it empty and resolved at once. Wait for the \
             background after the server has stopped, when no handler is left to add to it",
            returned.background
        );
        status_of(
            request,
            "a request under way at the stop",
            StatusCode::OK,
            "It needed 200 ms",
        )
        .await;
        assert_eq!(returned.summary, Shutdown { drained: 1, cut: 0 });
        let took = returned.at.duration_since(stopped);
        assert!(
            took < ms(1300),
            "everything was done about 500 ms after the stop, and serve_until_stopped \
             returned after {} ms: return when the work is done, not at a deadline",
            took.as_millis()
        );
    });
}

/// A keep-alive HTTP/1.1 connection of the test's own, to see what the server does with
/// the connection, not only with the request.
struct KeepAlive(tokio::net::TcpStream);

impl KeepAlive {
    async fn open(addr: SocketAddr) -> KeepAlive {
        let stream = within(
            ms(2000),
            "a connection to the server",
            "is the server accepting?",
            tokio::net::TcpStream::connect(addr),
        )
        .await
        .expect("the server accepts a connection before the stop");
        KeepAlive(stream)
    }

    /// Sends `GET path` on this connection; its status line, or `None` if the
    /// connection was closed (or reset) instead of answering.
    async fn get(&mut self, path: &str) -> Option<String> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let request = format!("GET {path} HTTP/1.1\r\nHost: grader\r\n\r\n");
        if self.0.write_all(request.as_bytes()).await.is_err() {
            return None;
        }
        let mut received = Vec::new();
        let mut buffer = [0u8; 1024];
        loop {
            let text = String::from_utf8_lossy(&received).into_owned();
            if let Some(end) = text.find("\r\n\r\n") {
                let length = text[..end]
                    .lines()
                    .find_map(|line| {
                        let (name, value) = line.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse::<usize>().ok())?
                    })
                    .unwrap_or(0);
                if received.len() >= end + 4 + length {
                    return text.lines().next().map(str::to_owned);
                }
            }
            match self.0.read(&mut buffer).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    }

    /// Whether the server has closed this connection: end of stream, or a reset.
    async fn closed_within(&mut self, limit: Duration) -> bool {
        use tokio::io::AsyncReadExt;
        let mut buffer = [0u8; 64];
        matches!(
            tokio::time::timeout(limit, self.0.read(&mut buffer)).await,
            Ok(Ok(0) | Err(_))
        )
    }
}

#[test]
fn keep_alive_connections_are_closed_too() {
    threaded(|| async {
        let drain = ms(1000);
        let server = start(drain).await;
        // Answered before the stop, then idle: what browsers and proxies leave open.
        let mut idle = KeepAlive::open(server.addr).await;
        let first = idle.get("/sleep/0").await;
        assert!(
            first.as_deref().is_some_and(|line| line.contains(" 200 ")),
            "a request before the stop got {first:?}"
        );
        // Under way at the stop, on a connection the client means to use again.
        let mut busy = KeepAlive::open(server.addr).await;
        let under_way = tokio::spawn(async move {
            let status = busy.get("/sleep/300").await;
            (busy, status)
        });
        server.until_under_way(1).await;
        let stopped = server.stop();
        let returned = server
            .returned(
                drain * 3 + ms(2000),
                "a keep-alive connection that stays open holds the drain: at the stop, each \
                 connection must be told to close after its request (with_graceful_shutdown \
                 does this for every connection axum serves)",
            )
            .await;
        let took = returned.at.duration_since(stopped);
        let (mut busy, status) = under_way.await.expect("no panic");
        assert!(
            status.as_deref().is_some_and(|line| line.contains(" 200 ")),
            "a request of 300 ms under way at the stop got {status:?}"
        );
        assert!(
            took < ms(800),
            "the only request under way was done 300 ms after the stop, and \
             serve_until_stopped returned after {} ms. Did an idle keep-alive connection \
             hold the drain to its deadline? At the stop, idle connections are closed at \
             once, and busy ones after their request (with_graceful_shutdown does both)",
            took.as_millis()
        );
        assert!(
            idle.closed_within(ms(500)).await,
            "a keep-alive connection idle at the stop was still open after \
             serve_until_stopped returned: every connection is closed at the stop, or after \
             the request it is serving"
        );
        let second = busy.get("/sleep/0").await;
        assert!(
            !second.as_deref().is_some_and(|line| line.contains(" 200 ")),
            "after the stop, a second request on a keep-alive connection was answered \
             ({second:?}) as if nothing had happened: the server is leaving, so after the \
             request under way each connection must close (hyper then answers it with \
             `Connection: close`), and the client goes to another replica"
        );
        nothing_under_way(&returned, stopped);
        assert_eq!(returned.summary, Shutdown { drained: 1, cut: 0 });
    });
}

#[test]
fn a_peer_that_trickles_its_request_does_not_hold_the_exit() {
    threaded(|| async {
        use tokio::io::AsyncWriteExt;
        let drain = ms(600);
        let server = start(drain).await;
        let mut slow = KeepAlive::open(server.addr).await;
        slow.0
            .write_all(b"GET /sleep/0 HTTP/1.1\r\nHost: grader\r\n")
            .await
            .expect("the server reads the first line");
        // One header line every 100 ms, never the blank line that ends them: the request
        // never reaches the router, so no layer on it can cut this connection.
        let (reader, mut writer) = slow.0.into_split();
        let trickle = tokio::spawn(async move {
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(5) {
                if writer.write_all(b"X-Slow: 1\r\n").await.is_err() {
                    return true;
                }
                tokio::time::sleep(ms(100)).await;
            }
            false
        });
        tokio::time::sleep(ms(250)).await;
        let stopped = server.stop();
        let returned = server
            .returned(
                drain * 3 + ms(2000),
                "a peer that sends its request slowly holds the connection open: bound the \
                 wait for the server's future, then close what is left",
            )
            .await;
        let took = returned.at.duration_since(stopped);
        assert!(
            took < drain + ms(400),
            "serve_until_stopped returned {} ms after the stop, the deadline being {} ms: a \
             peer still sending its request headers held it. Such a request never reaches \
             the router, so the cut must close the connection itself",
            took.as_millis(),
            drain.as_millis()
        );
        let mut reader = reader;
        let mut buffer = [0u8; 64];
        let closed = matches!(
            tokio::time::timeout(
                ms(500),
                tokio::io::AsyncReadExt::read(&mut reader, &mut buffer)
            )
            .await,
            Ok(Ok(0) | Err(_))
        ) || trickle.is_finished();
        trickle.abort();
        assert!(
            closed,
            "a connection still sending its request headers was left open after \
             serve_until_stopped returned: the task that serves it runs on, and the process \
             exits under it"
        );
    });
}
