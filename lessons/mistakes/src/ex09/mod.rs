//! Exercise 09, the coalescing key and the replay rules: answers that look right
//! and are not. Each keeps the reference solution's other half.

/// the path without the query: day 1's report replayed for day 2.
pub mod no_query {
    use axum::http::request::Parts;

    pub use solutions::ex09_coalesce_key::{CoalesceKey, replay_headers};

    pub fn coalescing_key(request: &Parts) -> Option<CoalesceKey> {
        let mut key = solutions::ex09_coalesce_key::coalescing_key(request)?;
        key.target = request.uri.path().to_owned();
        Some(key)
    }
}

/// `Authorization` only: two users signed in by cookie share answers.
pub mod authorization_only {
    use axum::http::header;
    use axum::http::request::Parts;

    pub use solutions::ex09_coalesce_key::{CoalesceKey, replay_headers};

    pub fn coalescing_key(request: &Parts) -> Option<CoalesceKey> {
        let mut key = solutions::ex09_coalesce_key::coalescing_key(request)?;
        key.varying
            .retain(|(name, _)| name == header::AUTHORIZATION);
        Some(key)
    }
}

/// every header in the key: safe, and no two requests ever coalesce.
pub mod every_header {
    use axum::http::request::Parts;

    pub use solutions::ex09_coalesce_key::{CoalesceKey, replay_headers};

    pub fn coalescing_key(request: &Parts) -> Option<CoalesceKey> {
        let mut key = solutions::ex09_coalesce_key::coalescing_key(request)?;
        key.varying = request
            .headers
            .iter()
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        Some(key)
    }
}

/// the replay keeps `Set-Cookie`: one client's session handed to all.
pub mod replays_set_cookie {
    use axum::http::HeaderMap;

    pub use solutions::ex09_coalesce_key::{CoalesceKey, coalescing_key};

    pub fn replay_headers(headers: &HeaderMap, _shared: bool) -> HeaderMap {
        headers.clone()
    }
}
