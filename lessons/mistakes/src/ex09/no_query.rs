//! Wrong: the path without the query: day 1's report replayed for day 2.

use axum::http::request::Parts;

pub use solutions::ex09_coalesce_key::{CoalesceKey, may_share};

pub fn coalescing_key(request: &Parts) -> Option<CoalesceKey> {
    let mut key = solutions::ex09_coalesce_key::coalescing_key(request)?;
    key.target = request.uri.path().to_owned();
    Some(key)
}
