//! Exercise 09 (lesson `10_singleflight_middleware`): what may be coalesced, and how.
//!
//! A coalescing layer is only as safe as its two rules: which requests are "the same
//! request", and which responses may go to every caller of a flight. Write the two
//! rules lesson 10's layer runs on. Grade it with
//! `cargo test -p exercises --test ex09_coalesce_key`.

use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method};

/// What makes two requests the same request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CoalesceKey {
    pub method: Method,
    /// The request target exactly as sent (`uri.to_string()`): scheme and authority
    /// when the request line had them, then the path and query.
    pub target: String,
    /// Every line of every request header that can change the answer, in a fixed
    /// order of names.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// Left `None` here: the layer adds what the service knows (a user id).
    pub added: Option<String>,
}

// ANCHOR: exercise
/// The key for a request, or `None` if it must go straight to the service.
///
/// Only requests that change nothing on the server may share a response, and only
/// requests that want the whole, current answer: a range request (`Range`), a
/// conditional one (`If-None-Match`, `If-Modified-Since`, `If-Match`,
/// `If-Unmodified-Since`, `If-Range`) or one asking for a fresh answer
/// (`Cache-Control: no-cache`, `Pragma: no-cache`) goes straight through.
///
/// Two requests share a key only if nothing in them could change the answer: the
/// same method, the same target, the same site (`Host`), the same credentials
/// (`Authorization`, `Proxy-Authorization`, `Cookie`) and the same content negotiation
/// (`Accept`, `Accept-Encoding`, `Accept-Language`). Other headers (a user agent, a
/// request id) must not split the key, or nothing would ever be coalesced.
pub fn coalescing_key(request: &Parts) -> Option<CoalesceKey> {
    // TODO: None for anything but GET and HEAD, and for the requests that go through.
    // TODO: the method, the target, and every line of the headers that change the answer.
    todo!("build the key, or refuse to")
}

/// Whether a response may be replayed to every caller of its flight: not when it sets
/// a cookie, says `Cache-Control: private` or `no-store`, or has a `Vary` naming a
/// request header outside the key (or `Vary: *`).
pub fn may_share(headers: &HeaderMap) -> bool {
    todo!("decide whether the crowd may have this response")
}
// ANCHOR_END: exercise
