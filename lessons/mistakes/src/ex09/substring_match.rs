//! Wrong: directives are found with `contains`: `x-private-beta` reads as `private`, so responses that may be shared never are, and the crowd the layer exists for runs the handler once per caller.

use axum::http::{HeaderMap, header};

pub use solutions::ex09_coalesce_key::{CoalesceKey, coalescing_key};

pub fn may_share(headers: &HeaderMap) -> bool {
    let mentions = |word: &str| {
        headers
            .get_all(header::CACHE_CONTROL)
            .iter()
            .filter_map(|line| line.to_str().ok())
            .any(|line| line.to_ascii_lowercase().contains(word))
    };
    if mentions("private") || mentions("no-store") {
        return false;
    }
    solutions::ex09_coalesce_key::may_share(headers)
}
