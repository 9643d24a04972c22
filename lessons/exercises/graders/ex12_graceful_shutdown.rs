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
//!   panics. Chance decides which branch wins, so the idle stop is played 200 times
//!   (`an_idle_server_stops_at_once_every_time`, which also catches a return at the
//!   deadline with nothing to wait for);
//! * many threads: every test runs on eight worker threads, twelve requests at once in
//!   the first, so the counts in the summary are shared between threads;
//! * the contract: the function's future runs on a spawned task, so it must be `Send`
//!   (checked when this file compiles); a cut request is answered 503, not reset.
//!
//! Not applicable: a caller that drops the function (a server's `main` awaits it to
//! the end), slow peers (the test clients send their requests at once).

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

async fn start(drain: Duration) -> Started {
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
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .connect_timeout(ms(1000))
        .timeout(Duration::from_secs(5))
        .build()
        .expect("a plain-HTTP client always builds");
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
        for _ in 0..ROUNDS {
            let drain = ms(1000);
            let server = start(drain).await;
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
const ROUNDS: usize = 200;

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
