//! Lesson 10: singleflight as an axum middleware.
//!
//! Fifty identical requests arrive together; the middleware runs the handler once and
//! replays its response (status, headers, body) to all fifty. The gin article does the
//! same in Go; here the safety rules come first: only GET and HEAD, a key that includes
//! the credentials (so that one user's answer never reaches another), no `Set-Cookie`
//! in a shared replay, and no sharing of bodies above a size cap.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Result;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::from_fn_with_state;
use axum::response::IntoResponse;
use axum::routing::get;
use futures::future::join_all;
use lessons::kit::{
    Door, Flags, Latency, Narrator, Report, Serve, SlowBackend, TestServer, run_lesson, through,
};
use lessons::singleflight::coalesce::{Coalescer, coalesce};
use reqwest::Method;

const ABOUT: &str = "Lesson 10: a coalescing middleware that replays responses, safely";

/// Identical requests sent at once.
const REQUESTS: usize = 50;

/// The largest response body the middleware buffers to share.
const MAX_SHARED_BODY: usize = 1 << 20;

// ANCHOR: app
/// The handlers' state: the slow report backend, and how many times a handler ran.
#[derive(Clone)]
struct App {
    db: SlowBackend,
    runs: Arc<AtomicUsize>,
}

impl App {
    /// One run of a handler: a backend call, numbered.
    async fn run(&self, what: &str) -> usize {
        self.db.call(what).await;
        self.runs.fetch_add(1, Ordering::SeqCst) + 1
    }
}

/// The same for everyone.
async fn report(State(app): State<App>) -> String {
    format!("daily report, run {}", app.run("report").await)
}

/// Depends on who asks.
async fn me(State(app): State<App>, headers: HeaderMap) -> String {
    let user = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or("anonymous")
        .to_owned();
    app.run("me").await;
    format!("the account of {user}")
}

/// Starts a session: a response with a cookie that belongs to one client.
async fn welcome(State(app): State<App>) -> impl IntoResponse {
    let run = app.run("welcome").await;
    (
        [(header::SET_COOKIE, format!("session={run}; HttpOnly"))],
        "welcome",
    )
}

/// A large export: bigger than the middleware will buffer.
async fn export(State(app): State<App>) -> Vec<u8> {
    app.run("export").await;
    vec![b'x'; 2 * MAX_SHARED_BODY]
}

/// The routes behind the coalescing middleware, and in front of both the kit's door, so
/// that the demo can let each crowd of requests in together (see `Door`).
fn router(app: App, door: Door) -> Router {
    Router::new()
        .route("/report", get(report).post(report))
        .route("/me", get(me))
        .route("/welcome", get(welcome))
        .route("/export", get(export))
        .layer(from_fn_with_state(
            Coalescer::new(MAX_SHARED_BODY),
            coalesce,
        ))
        .layer(from_fn_with_state(door, through))
        .with_state(app)
}
// ANCHOR_END: app

// ANCHOR: drive
/// Sends `n` requests at once, each from `user` (if any), and returns them.
async fn at_once(
    server: &TestServer,
    n: usize,
    method: Method,
    path: &str,
    user: Option<&str>,
) -> Result<Vec<(StatusCode, HeaderMap, String)>> {
    let calls = (0..n).map(|_| {
        let mut request = server.client().request(method.clone(), server.url(path));
        if let Some(user) = user {
            request = request.bearer_auth(user);
        }
        async move {
            let response = request.send().await?;
            let (status, headers) = (response.status(), response.headers().clone());
            anyhow::Ok((status, headers, response.text().await?))
        }
    });
    join_all(calls).await.into_iter().collect()
}

async fn demo(flags: &Flags, narrator: &Narrator) -> Result<Report> {
    let app = App {
        db: SlowBackend::new("db", Latency::Fixed(flags.ms(100)), &Narrator::quiet()),
        runs: Arc::default(),
    };
    let door = Door::default();
    let server = TestServer::start(router(app.clone(), door.clone())).await?;
    let runs = || app.runs.load(Ordering::SeqCst);
    // "At once" means together at the middleware: each crowd is lined up at the door and
    // let in when its last request has arrived, however long the connections took.
    let crowd = |size| door.line_up(size);

    narrator.scenario(format!("{REQUESTS} identical GETs at once"));
    crowd(REQUESTS);
    let answers = at_once(&server, REQUESTS, Method::GET, "/report", None).await?;
    let same_body = answers.iter().all(|(_, _, body)| *body == answers[0].2);
    narrator.say(
        "client",
        format!(
            "{} answers, all \"{}\": {same_body}",
            answers.len(),
            answers[0].2
        ),
    );
    let report_runs = runs();
    narrator.say("server", format!("the handler ran {report_runs} time(s)"));

    narrator.scenario("two users at once, ten requests each: a key per user");
    let before = runs();
    crowd(20);
    let (alice, bob) = tokio::join!(
        at_once(&server, 10, Method::GET, "/me", Some("alice")),
        at_once(&server, 10, Method::GET, "/me", Some("bob")),
    );
    let wrong = |answers: &[(StatusCode, HeaderMap, String)], user: &str| {
        answers
            .iter()
            .filter(|(_, _, body)| !body.ends_with(user))
            .count()
    };
    let cross_user_replays = wrong(&alice?, "alice") + wrong(&bob?, "bob");
    let user_runs = runs() - before;
    narrator.say(
        "client",
        format!("answers naming the wrong user: {cross_user_replays}"),
    );
    narrator.say(
        "server",
        format!("the handler ran {user_runs} times: once per user"),
    );

    narrator.scenario("a response that sets a cookie, shared by five");
    crowd(5);
    let answers = at_once(&server, 5, Method::GET, "/welcome", None).await?;
    let cookies_replayed = answers
        .iter()
        .filter(|(_, headers, _)| headers.contains_key(header::SET_COOKIE))
        .count();
    narrator.say(
        "client",
        format!("answers carrying Set-Cookie: {cookies_replayed} of 5"),
    );

    narrator.scenario("five POSTs at once: never coalesced");
    let before = runs();
    crowd(5);
    at_once(&server, 5, Method::POST, "/report", None).await?;
    let post_runs = runs() - before;
    narrator.say("server", format!("the handler ran {post_runs} times"));

    narrator.scenario("five GETs of a 2 MiB export: above the 1 MiB cap, not shared");
    let before = runs();
    crowd(5);
    let answers = at_once(&server, 5, Method::GET, "/export", None).await?;
    let complete = answers
        .iter()
        .filter(|(_, _, body)| body.len() == 2 * MAX_SHARED_BODY)
        .count();
    let export_runs = runs() - before;
    narrator.say("client", format!("complete bodies: {complete} of 5"));
    narrator.say("server", format!("the handler ran {export_runs} times: the flight that found the body too large, then each caller's own"));

    server.shutdown().await?;
    Ok(Report::new()
        .with("requests", REQUESTS)
        .with("backend_calls", report_runs)
        .with("cross_user_replays", cross_user_replays)
        .with("user_backend_calls", user_runs)
        .with("set_cookie_replayed", cookies_replayed)
        .with("post_backend_calls", post_runs)
        .with("large_complete", complete)
        .with("large_backend_calls", export_runs))
}
// ANCHOR_END: drive

// One thread: once a crowd is let in, every request reaches the middleware before any
// handler's 100 ms call can end, however busy the machine (as in lesson 11).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    run_lesson(ABOUT, demo, |flags, narrator| {
        let app = App {
            db: SlowBackend::new("db", Latency::Fixed(flags.ms(500)), narrator),
            runs: Arc::default(),
        };
        let runs = app.runs.clone();
        let stats = get(move || {
            let runs = runs.clone();
            async move { format!("handler_runs={}\n", runs.load(Ordering::SeqCst)) }
        });
        Serve {
            // An open door: under --serve, requests go straight in.
            router: router(app, Door::default()).route("/stats", stats),
            routes: vec!["/report", "/stats"],
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn identical_requests_share_one_run_and_nothing_leaks_between_users() {
        let report = demo(&Flags::for_test(7), &Narrator::quiet()).await.unwrap();
        assert_eq!(report.number("backend_calls"), 1, "{report}");
        assert_eq!(report.number("cross_user_replays"), 0, "{report}");
        assert_eq!(report.number("user_backend_calls"), 2, "{report}");
        assert_eq!(report.number("set_cookie_replayed"), 0, "{report}");
        assert_eq!(report.number("post_backend_calls"), 5, "{report}");
        assert_eq!(report.number("large_complete"), 5, "{report}");
    }
}
