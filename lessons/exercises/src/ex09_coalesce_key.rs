//! Exercise 09 (lesson `10_singleflight_middleware`): what may be coalesced, and how.
//!
//! A coalescing middleware is only as safe as its key. Write the two rules lesson 10's
//! middleware runs on: which requests are "the same request", and which headers a
//! replayed response may carry. Grade it with
//! `cargo test -p exercises --test ex09_coalesce_key`.

use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method};

/// What makes two requests the same request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CoalesceKey {
    pub method: Method,
    /// Path and query, as sent.
    pub target: String,
    /// The values of the request headers that can change the answer.
    pub varying: Vec<(HeaderName, HeaderValue)>,
}

// ANCHOR: exercise
/// The key for a request, or `None` if it must never be coalesced.
///
/// Only requests that change nothing on the server may share a response. Two requests
/// share a key only if nothing in them could change the answer: the same method, the
/// same path and query, the same credentials (`Authorization`, `Cookie`,
/// `Proxy-Authorization`) and the same content negotiation (`Accept`,
/// `Accept-Encoding`, `Accept-Language`). Other headers (a user agent, a request id)
/// must not split the key, or nothing would ever be coalesced.
pub fn coalescing_key(request: &Parts) -> Option<CoalesceKey> {
    // TODO: None for anything but GET and HEAD.
    // TODO: the method, the path and query, and the headers that change the answer.
    todo!("build the key, or refuse to")
}

/// The headers to replay with a response: everything to a caller who was alone
/// (`shared == false`), everything but `Set-Cookie` to callers who shared it.
pub fn replay_headers(headers: &HeaderMap, shared: bool) -> HeaderMap {
    todo!("filter the response headers for a replay")
}
// ANCHOR_END: exercise
