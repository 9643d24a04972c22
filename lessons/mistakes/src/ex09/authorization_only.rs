//! Wrong: `Authorization` only: two users signed in by cookie share answers.

use axum::http::header;
use axum::http::request::Parts;

pub use solutions::ex09_coalesce_key::{CoalesceKey, may_share};

pub fn coalescing_key(request: &Parts) -> Option<CoalesceKey> {
    let mut key = solutions::ex09_coalesce_key::coalescing_key(request)?;
    key.headers
        .retain(|(name, _)| name == header::AUTHORIZATION);
    Some(key)
}
