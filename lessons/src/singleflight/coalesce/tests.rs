//! One test per rule of the layer: each fails if its rule is taken out.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures::future::join_all;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Empty, Full, StreamBody};
use tower::{Service, ServiceExt, service_fn};

use super::{CoalesceBody, CoalesceLayer};
use crate::scenarios::bodies::BreaksOff;

type Reply = Response<Full<Bytes>>;

/// A service that takes 100 ms (or `takes`) and counts its runs; `answer` writes each
/// response from the request and the run's number.
#[derive(Clone)]
struct Counted {
    runs: Arc<AtomicUsize>,
    takes: Duration,
}

impl Counted {
    fn new() -> Self {
        Counted::taking(Duration::from_millis(100))
    }

    fn taking(takes: Duration) -> Self {
        Counted {
            runs: Arc::default(),
            takes,
        }
    }

    fn runs(&self) -> usize {
        self.runs.load(Ordering::SeqCst)
    }

    /// The layer in front of a service that answers with `answer(request, run)`.
    fn behind<B>(
        &self,
        layer: &CoalesceLayer,
        answer: impl Fn(&Request<Empty<Bytes>>, usize) -> Response<B> + Clone + Send + Sync + 'static,
    ) -> impl Service<
        Request<Empty<Bytes>>,
        Response = Response<CoalesceBody<B>>,
        Error = Infallible,
        Future: Send,
    > + Clone
    + Send
    + 'static
    where
        B: http_body::Body<Data = Bytes, Error: Into<super::layer::BoxError>> + Send + 'static,
    {
        let (runs, takes) = (self.runs.clone(), self.takes);
        tower::Layer::layer(
            layer,
            service_fn(move |request: Request<Empty<Bytes>>| {
                let (runs, answer) = (runs.clone(), answer.clone());
                async move {
                    let run = runs.fetch_add(1, Ordering::SeqCst) + 1;
                    tokio::time::sleep(takes).await;
                    Ok::<_, Infallible>(answer(&request, run))
                }
            }),
        )
    }
}

fn text(body: impl Into<String>) -> Reply {
    Response::new(Full::new(Bytes::from(body.into())))
}

fn get(target: &str) -> http::request::Builder {
    Request::get(target)
}

/// Sends every request at once; returns each status, headers and body.
async fn at_once<S, B>(
    service: &S,
    requests: Vec<Request<Empty<Bytes>>>,
) -> Vec<(StatusCode, http::HeaderMap, String)>
where
    S: Service<Request<Empty<Bytes>>, Response = Response<B>, Error = Infallible> + Clone,
    B: http_body::Body<Data = Bytes>,
    B::Error: std::fmt::Debug,
{
    let calls = requests.into_iter().map(|request| {
        let service = service.clone();
        async move {
            let response = service.oneshot(request).await.expect("infallible");
            let (head, body) = response.into_parts();
            let body = body.collect().await.expect("a whole body").to_bytes();
            (
                head.status,
                head.headers,
                String::from_utf8_lossy(&body).into_owned(),
            )
        }
    });
    join_all(calls).await
}

fn crowd(n: usize, request: impl Fn() -> http::request::Builder) -> Vec<Request<Empty<Bytes>>> {
    (0..n)
        .map(|_| request().body(Empty::new()).expect("a valid request"))
        .collect()
}

#[tokio::test(start_paused = true)]
async fn identical_requests_share_one_run() {
    let counted = Counted::new();
    let service = counted.behind(&CoalesceLayer::new(), |_, run| text(format!("run {run}")));
    let answers = at_once(&service, crowd(10, || get("/report"))).await;
    assert_eq!(counted.runs(), 1);
    assert!(
        answers
            .iter()
            .all(|(status, _, body)| *status == StatusCode::OK && body == "run 1")
    );
}

#[tokio::test(start_paused = true)]
async fn two_hosts_never_share_a_response() {
    let counted = Counted::new();
    let service = counted.behind(&CoalesceLayer::new(), |request, _| {
        text(request.headers()[header::HOST].to_str().unwrap().to_owned())
    });
    let mut requests = crowd(5, || get("/").header(header::HOST, "a.example"));
    requests.extend(crowd(5, || get("/").header(header::HOST, "b.example")));
    let answers = at_once(&service, requests).await;
    let bodies: Vec<_> = answers.iter().map(|(_, _, body)| body.as_str()).collect();
    assert_eq!(bodies[..5], ["a.example"; 5]);
    assert_eq!(bodies[5..], ["b.example"; 5]);
    assert_eq!(counted.runs(), 2, "one run per host");
}

#[tokio::test(start_paused = true)]
async fn range_and_conditional_requests_go_straight_through() {
    let counted = Counted::new();
    let service = counted.behind(&CoalesceLayer::new(), |request, _| {
        if request.headers().contains_key(header::IF_NONE_MATCH) {
            let mut response = text("");
            *response.status_mut() = StatusCode::NOT_MODIFIED;
            response
        } else if request.headers().contains_key(header::RANGE) {
            let mut response = text("rep");
            *response.status_mut() = StatusCode::PARTIAL_CONTENT;
            response
        } else {
            text("report")
        }
    });
    let conditional = || get("/report").header(header::IF_NONE_MATCH, "\"v1\"");
    let range = || get("/report").header(header::RANGE, "bytes=0-2");
    let mut requests = vec![
        conditional().body(Empty::new()).unwrap(),
        range().body(Empty::new()).unwrap(),
    ];
    requests.extend(crowd(3, || get("/report")));
    let answers = at_once(&service, requests).await;
    assert_eq!(answers[0].0, StatusCode::NOT_MODIFIED);
    assert_eq!(answers[1].0, StatusCode::PARTIAL_CONTENT);
    assert!(
        answers[2..]
            .iter()
            .all(|(status, _, body)| *status == StatusCode::OK && body == "report")
    );
    assert_eq!(
        counted.runs(),
        3,
        "the conditional, the range, and one flight for the rest"
    );
}

#[tokio::test(start_paused = true)]
async fn no_cache_goes_straight_through() {
    let counted = Counted::new();
    let service = counted.behind(&CoalesceLayer::new(), |_, run| text(format!("run {run}")));
    let mut requests = crowd(3, || get("/report"));
    requests.extend(crowd(2, || {
        get("/report").header(header::CACHE_CONTROL, "max-age=0, No-Cache")
    }));
    at_once(&service, requests).await;
    assert_eq!(
        counted.runs(),
        3,
        "one flight, and each no-cache request on its own"
    );
}

/// What an auth layer resolved, in the request's extensions.
#[derive(Clone)]
struct UserId(&'static str);

#[tokio::test(start_paused = true)]
async fn an_identity_from_the_extensions_joins_the_key() {
    let counted = Counted::new();
    let layer = CoalesceLayer::new().key_with(|head| {
        head.extensions
            .get::<UserId>()
            .map(|user| user.0.to_owned())
    });
    let service = counted.behind(&layer, |request, _| {
        text(request.extensions().get::<UserId>().unwrap().0)
    });
    let as_user = |user| move || get("/me").extension(UserId(user));
    let mut requests = crowd(5, as_user("alice"));
    requests.extend(crowd(5, as_user("bob")));
    let answers = at_once(&service, requests).await;
    let bodies: Vec<_> = answers.iter().map(|(_, _, body)| body.as_str()).collect();
    assert_eq!(bodies[..5], ["alice"; 5]);
    assert_eq!(bodies[5..], ["bob"; 5]);
    assert_eq!(counted.runs(), 2);

    // Without the hook, the default key cannot see the extensions: one flight for both.
    let counted = Counted::new();
    let service = counted.behind(&CoalesceLayer::new(), |request, _| {
        text(request.extensions().get::<UserId>().unwrap().0)
    });
    let mut requests = crowd(5, as_user("alice"));
    requests.extend(crowd(5, as_user("bob")));
    let answers = at_once(&service, requests).await;
    assert_eq!(
        answers
            .iter()
            .filter(|(_, _, body)| body == "alice")
            .count(),
        10,
        "the leader's identity for all"
    );
}

#[tokio::test(start_paused = true)]
async fn a_response_that_sets_a_cookie_reaches_only_its_own_caller() {
    let counted = Counted::new();
    let service = counted.behind(&CoalesceLayer::new(), |_, run| {
        let mut response = text("welcome");
        let cookie = HeaderValue::from_str(&format!("session={run}")).unwrap();
        response.headers_mut().insert(header::SET_COOKIE, cookie);
        response
    });
    let answers = at_once(&service, crowd(5, || get("/login"))).await;
    let mut sessions: Vec<_> = answers
        .iter()
        .map(|(_, headers, _)| headers[header::SET_COOKIE].to_str().unwrap().to_owned())
        .collect();
    sessions.sort();
    sessions.dedup();
    assert_eq!(
        sessions.len(),
        5,
        "five logins, five sessions: {sessions:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn private_unstored_and_varying_responses_are_not_shared() {
    for (name, value) in [
        (header::CACHE_CONTROL, "max-age=60, Private"),
        (header::CACHE_CONTROL, "no-store"),
        (header::VARY, "Accept-Encoding, Origin"),
        (header::VARY, "*"),
    ] {
        let counted = Counted::new();
        let header_value = HeaderValue::from_static(value);
        let service = counted.behind(&CoalesceLayer::new(), move |_, run| {
            let mut response = text(format!("run {run}"));
            response
                .headers_mut()
                .append(name.clone(), header_value.clone());
            response
        });
        let answers = at_once(&service, crowd(4, || get("/page"))).await;
        let mut bodies: Vec<_> = answers.into_iter().map(|(_, _, body)| body).collect();
        bodies.sort();
        bodies.dedup();
        assert_eq!(bodies.len(), 4, "{value}: each caller its own run");
    }
}

#[tokio::test(start_paused = true)]
async fn a_vary_on_a_header_in_the_key_is_shared() {
    let counted = Counted::new();
    let service = counted.behind(&CoalesceLayer::new(), |_, _| {
        let mut response = text("gzip or not");
        response
            .headers_mut()
            .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        response
    });
    at_once(&service, crowd(4, || get("/page"))).await;
    assert_eq!(counted.runs(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_body_that_breaks_off_is_an_error_for_everyone_not_a_rerun() {
    let counted = Counted::new();
    let service = counted.behind(&CoalesceLayer::new(), |_, _| {
        Response::new(BreaksOff::after("half", 8))
    });
    let answers = at_once(&service, crowd(10, || get("/proxied"))).await;
    assert_eq!(counted.runs(), 1, "one run: no herd of re-runs");
    assert!(
        answers
            .iter()
            .all(|(status, _, _)| *status == StatusCode::BAD_GATEWAY)
    );
}

#[tokio::test(start_paused = true)]
async fn a_body_over_the_cap_reaches_each_caller_whole_with_one_run_each() {
    let counted = Counted::new();
    let layer = CoalesceLayer::new().max_body(1_000);
    let service = counted.behind(&layer, |_, _| text("x".repeat(2_000)));
    let answers = at_once(&service, crowd(10, || get("/export"))).await;
    assert!(answers.iter().all(|(_, _, body)| body.len() == 2_000));
    assert_eq!(
        counted.runs(),
        10,
        "the flight's own response, then one run per waiter"
    );

    // The key is remembered as unshareable: the next crowd goes straight through.
    let started = tokio::time::Instant::now();
    at_once(&service, crowd(10, || get("/export"))).await;
    assert_eq!(counted.runs(), 20);
    assert_eq!(
        started.elapsed(),
        Duration::from_millis(100),
        "no wait on a flight first"
    );
}

#[tokio::test(start_paused = true)]
async fn a_stream_passes_through_unbuffered() {
    let service = tower::Layer::layer(
        &CoalesceLayer::new(),
        service_fn(|_: Request<Empty<Bytes>>| async {
            // A long poll: one event now, the rest never.
            let first = futures::stream::iter([Ok::<_, Infallible>(http_body::Frame::data(
                Bytes::from("event 1\n"),
            ))]);
            let frames = futures::StreamExt::chain(first, futures::stream::pending());
            Ok::<_, Infallible>(Response::new(StreamBody::new(frames)))
        }),
    );
    let response = service
        .oneshot(get("/events").body(Empty::new()).unwrap())
        .await
        .unwrap();
    let mut body = response.into_body();
    let frame = tokio::time::timeout(Duration::from_secs(1), body.frame())
        .await
        .expect("the first event arrives before the stream ends")
        .expect("a frame")
        .expect("no error");
    assert_eq!(frame.into_data().unwrap(), "event 1\n");
}

#[tokio::test(start_paused = true)]
async fn a_panic_is_a_500_for_every_caller_and_leaves_nothing_behind() {
    let layer = CoalesceLayer::new();
    let service = tower::Layer::layer(
        &layer,
        service_fn(|_: Request<Empty<Bytes>>| async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if true {
                panic!("the handler broke");
            }
            Ok::<Reply, Infallible>(text(""))
        }),
    );
    let answers = at_once(&service, crowd(5, || get("/broken"))).await;
    assert!(
        answers
            .iter()
            .all(|(status, _, _)| *status == StatusCode::INTERNAL_SERVER_ERROR)
    );
    assert_eq!(layer.in_flight(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_flight_past_its_deadline_is_a_504_and_frees_the_key() {
    let layer = CoalesceLayer::new().flight_deadline(Duration::from_secs(1));
    let runs = Arc::new(AtomicUsize::new(0));
    let service = {
        let runs = runs.clone();
        tower::Layer::layer(
            &layer,
            service_fn(move |_: Request<Empty<Bytes>>| {
                let run = runs.fetch_add(1, Ordering::SeqCst);
                async move {
                    if run == 0 {
                        std::future::pending::<()>().await;
                    }
                    Ok::<_, Infallible>(text("fresh"))
                }
            }),
        )
    };
    let started = tokio::time::Instant::now();
    let answers = at_once(&service, crowd(5, || get("/hung"))).await;
    assert!(
        answers
            .iter()
            .all(|(status, _, _)| *status == StatusCode::GATEWAY_TIMEOUT)
    );
    assert_eq!(started.elapsed(), Duration::from_secs(1));
    assert_eq!(layer.in_flight(), 0, "the key is free");
    let answers = at_once(&service, crowd(1, || get("/hung"))).await;
    assert_eq!(answers[0].2, "fresh", "a new flight at once");
}

#[tokio::test(start_paused = true)]
async fn post_and_head_are_never_mixed_with_get() {
    let counted = Counted::new();
    let service = counted.behind(&CoalesceLayer::new(), |request, _| {
        text(request.method().as_str().to_owned())
    });
    let mut requests = crowd(3, || get("/report"));
    requests.extend(crowd(3, || Request::head("/report")));
    requests.extend(crowd(3, || Request::post("/report")));
    let answers = at_once(&service, requests).await;
    let methods: Vec<_> = answers.iter().map(|(_, _, body)| body.as_str()).collect();
    assert_eq!(
        methods,
        [
            "GET", "GET", "GET", "HEAD", "HEAD", "HEAD", "POST", "POST", "POST"
        ]
    );
    assert_eq!(counted.runs(), 1 + 1 + 3);
    let _ = Method::GET;
}

#[test]
fn on_many_threads_no_caller_ever_gets_another_callers_answer() {
    crate::kit::grading::threaded(|| async {
        // Four users and two sites, sixteen callers each sending 200 requests in a row
        // on eight worker threads: flights of 1 ms start and land all the time.
        let counted = Counted::taking(Duration::from_millis(1));
        let layer = CoalesceLayer::new().key_with(|head| {
            head.extensions
                .get::<UserId>()
                .map(|user| user.0.to_owned())
        });
        let service = counted.behind(&layer, |request, run| {
            let user = request.extensions().get::<UserId>().unwrap().0;
            let host = request.headers()[header::HOST].to_str().unwrap();
            let mut response = text(format!("{user}@{host}"));
            if request.uri().path() == "/login" {
                let cookie = HeaderValue::from_str(&format!("session={run}")).unwrap();
                response.headers_mut().insert(header::SET_COOKIE, cookie);
            }
            response
        });
        const USERS: [&str; 4] = ["alice", "bob", "carol", "dave"];
        const HOSTS: [&str; 2] = ["shop.example", "blog.example"];
        let callers = (0..16).map(|caller: usize| {
            let service = service.clone();
            tokio::spawn(async move {
                let mut cookies = Vec::new();
                for round in 0..200 {
                    let (user, host) = (USERS[(caller + round) % 4], HOSTS[round % 2]);
                    let path = if round % 10 == 0 { "/login" } else { "/page" };
                    let request = get(path).header(header::HOST, host).extension(UserId(user));
                    let answers =
                        at_once(&service, vec![request.body(Empty::new()).unwrap()]).await;
                    let (_, headers, body) = &answers[0];
                    assert_eq!(
                        *body,
                        format!("{user}@{host}"),
                        "round {round} of caller {caller}"
                    );
                    if let Some(cookie) = headers.get(header::SET_COOKIE) {
                        cookies.push(cookie.to_str().unwrap().to_owned());
                    }
                }
                cookies
            })
        });
        let mut cookies = Vec::new();
        for caller in join_all(callers).await {
            cookies.extend(caller.expect("no caller panics"));
        }
        let issued = cookies.len();
        cookies.sort();
        cookies.dedup();
        assert_eq!(issued, 16 * 20, "every login got a session");
        assert_eq!(cookies.len(), issued, "no session went to two callers");
        assert_eq!(layer.in_flight(), 0, "no flight is left");
    });
}

#[tokio::test(start_paused = true)]
async fn a_panic_answers_as_catch_panic_layer_would_without_the_layer() {
    // tower-http's CatchPanicLayer is what a route without coalescing would use: the
    // same handler panic, the same status, so that adding the layer changes nothing
    // for a client but the number of runs.
    let panics = || {
        service_fn(|_: Request<Empty<Bytes>>| async {
            if true {
                panic!("the handler broke");
            }
            Ok::<Reply, Infallible>(text(""))
        })
    };
    let caught = tower::ServiceBuilder::new()
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .service(panics());
    let without = caught
        .oneshot(get("/broken").body(Empty::new()).unwrap())
        .await
        .unwrap();
    let with = tower::Layer::layer(&CoalesceLayer::new(), panics())
        .oneshot(get("/broken").body(Empty::new()).unwrap())
        .await
        .unwrap();
    assert_eq!(without.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(with.status(), without.status());
}
