//! Wrong: only `Set-Cookie` keeps a response from the crowd: a `Cache-Control: private` page, or one that varies on `Origin`, is replayed to every caller of its flight.

use axum::http::{HeaderMap, header};

pub use solutions::ex09_coalesce_key::{CoalesceKey, coalescing_key};

pub fn may_share(headers: &HeaderMap) -> bool {
    !headers.contains_key(header::SET_COOKIE)
}
