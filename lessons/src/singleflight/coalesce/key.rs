//! Which requests are "the same request": the coalescing key, and the requests that
//! must never be coalesced at all.

use http::request::Parts;
use http::{HeaderMap, HeaderName, HeaderValue, Method, header};

// ANCHOR: key
/// What makes two requests the same request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CoalesceKey {
    pub method: Method,
    /// The request target exactly as sent: scheme and authority included when the
    /// request line carried them (HTTP/2 always does), path and query as one string.
    pub target: String,
    /// Every line of every header in [`KEY_HEADERS`], in that order.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// What the service adds from outside the headers: a user id an auth layer
    /// resolved, a tenant (see `CoalesceLayer::key_with`). `None` from the default key.
    pub added: Option<String>,
}

/// Request headers that can change the answer: which site is asked (`Host`), who is
/// asking (credentials, every line of each), and in what form the answer is wanted.
pub const KEY_HEADERS: [HeaderName; 7] = [
    header::HOST,
    header::AUTHORIZATION,
    header::PROXY_AUTHORIZATION,
    header::COOKIE,
    header::ACCEPT,
    header::ACCEPT_ENCODING,
    header::ACCEPT_LANGUAGE,
];

/// Request headers that ask for a part of the answer, or for an answer that depends on
/// what the client already has: a 206 or an empty 304 must never reach a plain GET.
pub const PASS_THROUGH_HEADERS: [HeaderName; 6] = [
    header::RANGE,
    header::IF_NONE_MATCH,
    header::IF_MODIFIED_SINCE,
    header::IF_MATCH,
    header::IF_UNMODIFIED_SINCE,
    header::IF_RANGE,
];

/// The key for a request, or `None` if it must go straight to the service: anything
/// but GET and HEAD, a range or conditional request, or a client asking for a fresh
/// answer (`Cache-Control: no-cache`, or HTTP/1.0's `Pragma: no-cache`).
pub fn coalescing_key(request: &Parts) -> Option<CoalesceKey> {
    if request.method != Method::GET && request.method != Method::HEAD {
        return None;
    }
    let headers = &request.headers;
    if PASS_THROUGH_HEADERS
        .iter()
        .any(|name| headers.contains_key(name))
        || has_directive(headers, &header::CACHE_CONTROL, "no-cache")
        || has_directive(headers, &header::PRAGMA, "no-cache")
    {
        return None;
    }
    let headers = KEY_HEADERS
        .iter()
        .flat_map(|name| {
            let lines = headers.get_all(name).iter();
            lines.map(move |value| (name.clone(), value.clone()))
        })
        .collect();
    Some(CoalesceKey {
        method: request.method.clone(),
        target: request.uri.to_string(),
        headers,
        added: None,
    })
}
// ANCHOR_END: key

/// Whether any line of header `name` lists `directive` (a comma-separated list,
/// directives compared without regard to case, `max-age=0`-style arguments ignored).
pub(super) fn has_directive(headers: &HeaderMap, name: &HeaderName, directive: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|line| line.to_str().ok())
        .flat_map(|line| line.split(','))
        .map(|item| item.split('=').next().unwrap_or_default().trim())
        .any(|item| item.eq_ignore_ascii_case(directive))
}
