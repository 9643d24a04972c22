//! Coalescing identical requests in front of a handler: singleflight as an axum
//! middleware (lesson 10).
//!
//! Concurrent requests that would get the same answer share one run of the handler,
//! and every caller gets a replay of its response: status, headers, body. "Would get
//! the same answer" is the whole difficulty, and the rules here are the safe ones:
//!
//! * only GET and HEAD, which change nothing, are coalesced;
//! * the key is the method, the path and query, and every request header that can
//!   change the answer: credentials (`Authorization`, `Cookie`) and content
//!   negotiation. Two users never share a response;
//! * a response that went to several callers never carries `Set-Cookie`;
//! * a response body larger than the cap is not buffered for sharing: each caller then
//!   runs its own request.

use std::sync::Arc;

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{FlightError, Group};

// ANCHOR: key
/// What makes two requests the same request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CoalesceKey {
    pub method: Method,
    /// Path and query, as sent.
    pub target: String,
    /// The values of the headers that can change the answer, in [`VARY_ON`] order.
    pub varying: Vec<(HeaderName, HeaderValue)>,
}

/// Request headers that can change a response: who is asking, and in what form the
/// answer is wanted. Two requests that differ in any of these are never coalesced.
pub const VARY_ON: [HeaderName; 6] = [
    header::AUTHORIZATION,
    header::COOKIE,
    header::PROXY_AUTHORIZATION,
    header::ACCEPT,
    header::ACCEPT_ENCODING,
    header::ACCEPT_LANGUAGE,
];

/// The key for a request, or `None` if it must not be coalesced (anything but GET and
/// HEAD).
pub fn coalescing_key(request: &Parts) -> Option<CoalesceKey> {
    if request.method != Method::GET && request.method != Method::HEAD {
        return None;
    }
    let target = request
        .uri
        .path_and_query()
        .map_or("/", |target| target.as_str());
    let varying = VARY_ON
        .iter()
        .flat_map(|name| {
            let values = request.headers.get_all(name).iter();
            values.map(move |value| (name.clone(), value.clone()))
        })
        .collect();
    Some(CoalesceKey {
        method: request.method.clone(),
        target: target.to_owned(),
        varying,
    })
}

/// The headers to send with a response: all of them to a caller who was alone, all
/// but `Set-Cookie` to callers who shared it (a cookie is one client's, never a crowd's).
pub fn replay_headers(headers: &HeaderMap, shared: bool) -> HeaderMap {
    let mut replayed = headers.clone();
    if shared {
        replayed.remove(header::SET_COOKIE);
    }
    replayed
}
// ANCHOR_END: key

/// A response held in memory, to be replayed to every caller of a flight.
#[derive(Debug)]
pub struct BufferedResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl BufferedResponse {
    fn replay(&self, shared: bool) -> Response {
        let mut response = Response::new(Body::from(self.body.clone()));
        *response.status_mut() = self.status;
        *response.headers_mut() = replay_headers(&self.headers, shared);
        response
    }
}

/// The response was larger than the cap: not buffered, not shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLarge;

// ANCHOR: middleware
/// The middleware's state: the flights, and the largest body it will buffer.
#[derive(Clone)]
pub struct Coalescer {
    flights: Group<CoalesceKey, Arc<BufferedResponse>, TooLarge>,
    max_body: usize,
}

impl Coalescer {
    pub fn new(max_body: usize) -> Self {
        Coalescer {
            flights: Group::new(),
            max_body,
        }
    }
}

/// Use with `axum::middleware::from_fn_with_state(Coalescer::new(cap), coalesce)`.
pub async fn coalesce(
    State(coalescer): State<Coalescer>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let Some(key) = coalescing_key(&parts) else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    // GET and HEAD carry no body: each caller keeps its own copy of the request head,
    // so that it can run the request alone if the flight's response is too large.
    let work = {
        let (parts, next, max_body) = (parts.clone(), next.clone(), coalescer.max_body);
        async move {
            let response = next.run(Request::from_parts(parts, Body::empty())).await;
            buffer(response, max_body).await.map(Arc::new)
        }
    };
    // If this caller disconnects, the group moves the work to a task of its own: the
    // others still get the response.
    let outcome = coalescer.flights.run(key, work).await;
    match outcome.result {
        Ok(response) => response.replay(outcome.shared),
        Err(FlightError::Failed(TooLarge)) => {
            next.run(Request::from_parts(parts, Body::empty())).await
        }
        Err(FlightError::Panicked(_) | FlightError::Abandoned) => {
            (StatusCode::INTERNAL_SERVER_ERROR, "the request failed\n").into_response()
        }
    }
}

/// Reads the whole response into memory, unless its body exceeds `max_body`.
async fn buffer(response: Response, max_body: usize) -> Result<BufferedResponse, TooLarge> {
    let (parts, body) = response.into_parts();
    let body = to_bytes(body, max_body).await.map_err(|_| TooLarge)?;
    Ok(BufferedResponse {
        status: parts.status,
        headers: parts.headers,
        body,
    })
}
// ANCHOR_END: middleware
