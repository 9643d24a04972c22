//! Lesson 10: singleflight in front of handlers, as a tower layer.
//!
//! Fifty identical requests arrive together; the layer runs the handler once and
//! replays its response (status, headers, body) to all fifty. The gin article does the
//! same in Go; here each safety rule gets a crowd of its own, and a figure that would
//! come out otherwise without it: virtual hosts, conditional requests, an identity an
//! auth layer resolved, logins that set cookies, a body too large to share, a stream, a
//! body that breaks off half-way.
//!
//! * `app.rs`: the handlers, the auth layer and the router with the coalescing layer;
//! * here: the crowds the demo sends, and what each figure counts.

mod app;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use anyhow::Result;
use app::{App, report, router};
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::get;
use futures::future::join_all;
use lessons::kit::{
    Door, Flags, Latency, Narrator, Report, Serve, SlowBackend, TestServer, run_lesson,
};
use reqwest::RequestBuilder;

const ABOUT: &str = "Lesson 10: a coalescing layer that replays responses, safely";

/// Identical requests sent at once.
const REQUESTS: usize = 50;

/// The largest response body the layer buffers to share.
const MAX_SHARED_BODY: usize = 64 * 1024;

// ANCHOR: drive
/// What a client got.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

/// Sends every request at once, and reads every answer.
async fn at_once(requests: impl IntoIterator<Item = RequestBuilder>) -> Result<Vec<Answer>> {
    let calls = requests.into_iter().map(|request| async move {
        let response = request.send().await?;
        let (status, headers) = (response.status(), response.headers().clone());
        let body = response.text().await.unwrap_or_default();
        anyhow::Ok(Answer {
            status,
            headers,
            body,
        })
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
    let get = |path: &str| server.client().get(server.url(path));
    // "At once" means together at the layer: each crowd is lined up at the door and
    // let in when its last request has arrived, however long the connections took.
    let crowd = |size| door.line_up(size);
    let mut report = Report::new().with("requests", REQUESTS);

    narrator.scenario(format!("{REQUESTS} identical GETs at once"));
    crowd(REQUESTS);
    let answers = at_once((0..REQUESTS).map(|_| get("/report"))).await?;
    let same = answers.iter().all(|answer| answer.body == answers[0].body);
    narrator.say(
        "client",
        format!("{REQUESTS} answers, all \"{}\": {same}", answers[0].body),
    );
    narrator.say("server", format!("the handler ran {} time(s)", runs()));
    report = report.with("backend_calls", runs());

    narrator.scenario("two virtual hosts, ten requests each: the authority is in the key");
    crowd(20);
    let hosts = ["shop.example", "blog.example"];
    let answers = at_once((0..20).map(|i| get("/").header(header::HOST, hosts[i % 2]))).await?;
    let wrong = (0..20)
        .filter(|&i| !answers[i].body.ends_with(hosts[i % 2]))
        .count();
    narrator.say("client", format!("answers for the other host: {wrong}"));
    report = report.with("cross_host_replays", wrong);

    narrator
        .scenario("five plain GETs and five conditional ones: conditionals go straight through");
    crowd(10);
    let conditional = |i: usize| i % 2 == 1;
    let answers = at_once((0..10).map(|i| match conditional(i) {
        true => get("/article").header(header::IF_NONE_MATCH, "\"v1\""),
        false => get("/article"),
    }))
    .await?;
    let wrong = (0..10)
        .filter(|&i| (answers[i].status == StatusCode::NOT_MODIFIED) != conditional(i))
        .count();
    narrator.say(
        "client",
        format!("a 304 to a plain GET, or a 200 to a conditional: {wrong}"),
    );
    report = report.with("conditional_replays", wrong);

    narrator.scenario("alice and bob, ten requests each: the identity the auth layer found");
    let before = runs();
    crowd(20);
    let users = ["alice", "bob"];
    let answers = at_once(
        (0..20).map(|i| get("/account").header("x-api-key", format!("key-of-{}", users[i % 2]))),
    )
    .await?;
    let wrong = (0..20)
        .filter(|&i| !answers[i].body.ends_with(users[i % 2]))
        .count();
    narrator.say("client", format!("answers naming the other user: {wrong}"));
    narrator.say(
        "server",
        format!("the handler ran {} times: once per user", runs() - before),
    );
    report = report
        .with("identity_replays", wrong)
        .with("user_backend_calls", runs() - before);

    narrator.scenario("five logins at once: a response with a cookie is never shared");
    crowd(5);
    let answers = at_once((0..5).map(|_| get("/login"))).await?;
    let mut cookies: Vec<_> = answers
        .iter()
        .filter_map(|answer| answer.headers.get(header::SET_COOKIE)?.to_str().ok())
        .collect();
    let received = cookies.len();
    cookies.sort();
    cookies.dedup();
    narrator.say(
        "client",
        format!(
            "sessions: {} different, in {received} answers",
            cookies.len()
        ),
    );
    report = report
        .with("sessions_issued", cookies.len())
        .with("cookies_replayed", received - cookies.len());

    narrator.scenario("five POSTs at once: never coalesced");
    let before = runs();
    crowd(5);
    at_once((0..5).map(|_| server.client().post(server.url("/report")))).await?;
    narrator.say(
        "server",
        format!("the handler ran {} times", runs() - before),
    );
    report = report.with("post_backend_calls", runs() - before);

    narrator.scenario(format!(
        "{REQUESTS} GETs of a 128 KiB export: above the 64 KiB cap"
    ));
    let before = runs();
    crowd(REQUESTS);
    let answers = at_once((0..REQUESTS).map(|_| get("/export"))).await?;
    let complete = answers
        .iter()
        .filter(|a| a.body.len() == 2 * MAX_SHARED_BODY)
        .count();
    let large_runs = runs() - before;
    narrator.say(
        "client",
        format!("complete bodies: {complete} of {REQUESTS}"),
    );
    narrator.say(
        "server",
        format!("the handler ran {large_runs} times: the flight's own, then one per waiter"),
    );
    report = report
        .with("large_complete", complete)
        .with("large_body_runs", large_runs);

    narrator.scenario("three long polls at once: a stream passes through as it comes");
    crowd(3);
    let polls = (0..3).map(|_| async {
        let mut response = get("/events").send().await?;
        let first = tokio::time::timeout(flags.ms(1_000), response.chunk()).await;
        anyhow::Ok(matches!(first, Ok(Ok(Some(_)))))
    });
    let streamed = join_all(polls)
        .await
        .into_iter()
        .filter(|got| matches!(got, Ok(true)))
        .count();
    narrator.say(
        "client",
        format!("first event received while the stream is open: {streamed} of 3"),
    );
    report = report.with("stream_passthrough", u8::from(streamed == 3));

    narrator.scenario("ten GETs of a response whose body breaks off half-way");
    let before = runs();
    crowd(10);
    let answers = at_once((0..10).map(|_| get("/proxied"))).await?;
    let bad_gateway = answers
        .iter()
        .filter(|a| a.status == StatusCode::BAD_GATEWAY)
        .count();
    narrator.say("client", format!("502 answers: {bad_gateway} of 10"));
    narrator.say(
        "server",
        format!(
            "the handler ran {} time(s): no herd of re-runs",
            runs() - before
        ),
    );
    report = report.with("failed_body_runs", runs() - before);

    server.shutdown().await?;
    Ok(report)
}
// ANCHOR_END: drive

// One thread: once a crowd is let in, every request reaches the layer before any
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
        // The same handler without the layer, for scripts/bench-coalesce to compare.
        let uncoalesced = get(report).with_state(app.clone());
        Serve {
            // An open door: under --serve, requests go straight in.
            router: router(app, Door::default())
                .route("/stats", stats)
                .route("/report/uncoalesced", uncoalesced),
            routes: vec!["/report", "/report/uncoalesced", "/stats"],
            on_shutdown: None,
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn identical_requests_share_one_run_and_nothing_leaks_between_callers() {
        let report = demo(&Flags::for_test(7), &Narrator::quiet()).await.unwrap();
        for (key, expected) in [
            ("backend_calls", 1),
            ("cross_host_replays", 0),
            ("conditional_replays", 0),
            ("identity_replays", 0),
            ("user_backend_calls", 2),
            ("sessions_issued", 5),
            ("cookies_replayed", 0),
            ("post_backend_calls", 5),
            ("large_complete", REQUESTS as u64),
            ("large_body_runs", REQUESTS as u64),
            ("stream_passthrough", 1),
            ("failed_body_runs", 1),
        ] {
            assert_eq!(report.number(key), expected, "{key}: {report}");
        }
    }
}
