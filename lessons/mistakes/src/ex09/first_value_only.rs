//! Wrong: each header's first value only (`headers.get`): two `Cookie` lines that differ in the second are one key, and one user's answer goes to another.

use axum::http::request::Parts;

pub use solutions::ex09_coalesce_key::{CoalesceKey, may_share};

pub fn coalescing_key(request: &Parts) -> Option<CoalesceKey> {
    let mut key = solutions::ex09_coalesce_key::coalescing_key(request)?;
    let mut seen = Vec::new();
    key.headers.retain(|(name, _)| {
        let first = !seen.contains(name);
        seen.push(name.clone());
        first
    });
    Some(key)
}
