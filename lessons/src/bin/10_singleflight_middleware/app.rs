//! Lesson 10's application: a handler for each rule the demo puts to the test, the
//! auth layer that resolves who is asking, and the router with the coalescing layer
//! inside it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use lessons::kit::{Door, SlowBackend, through};
use lessons::scenarios::bodies::{BreaksOff, long_poll};
use lessons::singleflight::coalesce::CoalesceLayer;

use super::MAX_SHARED_BODY;

// ANCHOR: app
/// The handlers' state: the slow backend, and how many times a handler ran.
#[derive(Clone)]
pub struct App {
    pub db: SlowBackend,
    pub runs: Arc<AtomicUsize>,
}

impl App {
    /// One run of a handler: a backend call, numbered.
    pub async fn run(&self, what: &str) -> usize {
        self.db.call(what).await;
        self.runs.fetch_add(1, Ordering::SeqCst) + 1
    }
}

/// The same for everyone.
pub async fn report(State(app): State<App>) -> String {
    format!("daily report, run {}", app.run("report").await)
}

/// Depends on the site asked for: one server, several virtual hosts.
pub async fn home(State(app): State<App>, headers: HeaderMap) -> String {
    app.run("home").await;
    let host = headers
        .get(header::HOST)
        .and_then(|host| host.to_str().ok());
    format!("the home page of {}", host.unwrap_or("nobody"))
}

/// Answers "not modified" to a client that has the current version.
pub async fn article(State(app): State<App>, headers: HeaderMap) -> Response {
    app.run("article").await;
    if headers.contains_key(header::IF_NONE_MATCH) {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    ([(header::ETAG, "\"v1\"")], "the whole article").into_response()
}

/// Depends on who asks, as the auth layer resolved it.
pub async fn account(State(app): State<App>, request: Request) -> String {
    app.run("account").await;
    let user = request
        .extensions()
        .get::<UserId>()
        .map_or("nobody", |user| user.0);
    format!("the account of {user}")
}

/// Starts a session: a response with a cookie that belongs to one client.
pub async fn login(State(app): State<App>) -> impl IntoResponse {
    let run = app.run("login").await;
    (
        [(header::SET_COOKIE, format!("session={run}; HttpOnly"))],
        "welcome",
    )
}

/// A large export: bigger than the layer will buffer.
pub async fn export(State(app): State<App>) -> Vec<u8> {
    app.run("export").await;
    vec![b'x'; 2 * MAX_SHARED_BODY]
}

/// A long poll: its first event at once, the next one whenever.
pub async fn events(State(app): State<App>) -> Body {
    app.run("events").await;
    long_poll("event: hello\n\n")
}

/// A proxied response whose upstream hangs up half-way through.
pub async fn proxied(State(app): State<App>) -> Body {
    app.run("proxied").await;
    Body::new(BreaksOff::after("the first half", 28))
}
// ANCHOR_END: app

// ANCHOR: auth
/// Who is asking, as the auth layer resolved it from an API key: an identity that is
/// in no header the coalescing key holds.
#[derive(Clone, Copy)]
pub struct UserId(&'static str);

/// The auth layer: turns the `x-api-key` header into a `UserId` extension.
pub async fn authenticate(mut request: Request, next: Next) -> Response {
    let user = match request.headers().get("x-api-key").map(|key| key.as_bytes()) {
        Some(b"key-of-alice") => UserId("alice"),
        Some(b"key-of-bob") => UserId("bob"),
        _ => return (StatusCode::UNAUTHORIZED, "an API key, please\n").into_response(),
    };
    request.extensions_mut().insert(user);
    next.run(request).await
}
// ANCHOR_END: auth

// ANCHOR: layer
/// The routes behind the coalescing layer, which sits inside the auth layer (so that
/// the identity is resolved when it builds a key) and adds that identity to the key.
pub fn router(app: App, door: Door) -> Router {
    let coalesce = CoalesceLayer::new()
        .max_body(MAX_SHARED_BODY)
        .key_with(|head| {
            Some(
                head.extensions
                    .get::<UserId>()
                    .map_or("", |user| user.0)
                    .to_owned(),
            )
        });
    let accounts = Router::new()
        .route("/account", get(account))
        .layer(coalesce.clone())
        .layer(from_fn(authenticate));
    Router::new()
        .route("/report", get(report).post(report))
        .route("/", get(home))
        .route("/article", get(article))
        .route("/login", get(login))
        .route("/export", get(export))
        .route("/events", get(events))
        .route("/proxied", get(proxied))
        .layer(coalesce)
        .merge(accounts)
        .layer(from_fn_with_state(door, through))
        .with_state(app)
}
// ANCHOR_END: layer
