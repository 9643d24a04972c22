//! Wrong: only `Range` and `If-None-Match` go straight through, and `no-cache` only when it is the whole first `Cache-Control` line: an `If-Modified-Since` request joins a crowd, and its empty 304 is replayed to plain GETs.

use axum::http::request::Parts;
use axum::http::{Method, header};

pub use solutions::ex09_coalesce_key::{CoalesceKey, may_share};

pub fn coalescing_key(request: &Parts) -> Option<CoalesceKey> {
    let headers = &request.headers;
    if headers.contains_key(header::RANGE)
        || headers.contains_key(header::IF_NONE_MATCH)
        || headers
            .get(header::CACHE_CONTROL)
            .is_some_and(|value| value == "no-cache")
    {
        return None;
    }
    // The rest of the key as the solution builds it, from a copy without the headers
    // this answer does not know about.
    let mut known = request.clone();
    for name in [
        header::IF_MODIFIED_SINCE,
        header::IF_MATCH,
        header::IF_UNMODIFIED_SINCE,
        header::IF_RANGE,
        header::CACHE_CONTROL,
        header::PRAGMA,
    ] {
        known.headers.remove(name);
    }
    if known.method != Method::GET && known.method != Method::HEAD {
        return None;
    }
    solutions::ex09_coalesce_key::coalescing_key(&known)
}
