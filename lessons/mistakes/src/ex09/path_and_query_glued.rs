//! Wrong: the path and the query glued together without their `?`: `/a?b=1` and `/ab=1` are one key, and one page's answer is replayed for another.

use axum::http::request::Parts;

pub use solutions::ex09_coalesce_key::{CoalesceKey, may_share};

pub fn coalescing_key(request: &Parts) -> Option<CoalesceKey> {
    let mut key = solutions::ex09_coalesce_key::coalescing_key(request)?;
    key.target = format!(
        "{}{}",
        request.uri.path(),
        request.uri.query().unwrap_or("")
    );
    Some(key)
}
