//! Wrong: the key has the path and query but not the site: two virtual hosts on one server share `/`, and the shop's home page is replayed to the blog's readers.

use axum::http::header;
use axum::http::request::Parts;

pub use solutions::ex09_coalesce_key::{CoalesceKey, may_share};

pub fn coalescing_key(request: &Parts) -> Option<CoalesceKey> {
    let mut key = solutions::ex09_coalesce_key::coalescing_key(request)?;
    key.target = request
        .uri
        .path_and_query()
        .map_or("/", |target| target.as_str())
        .to_owned();
    key.headers.retain(|(name, _)| name != header::HOST);
    Some(key)
}
