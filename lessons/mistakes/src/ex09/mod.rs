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

/// Wrong: the methods to refuse are listed, POST, PUT, PATCH and DELETE: OPTIONS, TRACE,
/// CONNECT and an application's own methods slip through and are coalesced.
pub mod refuses_listed_methods {
    use axum::http::Method;
    use axum::http::request::Parts;

    pub use solutions::ex09_coalesce_key::{CoalesceKey, replay_headers};

    pub fn coalescing_key(request: &Parts) -> Option<CoalesceKey> {
        let refused = [Method::POST, Method::PUT, Method::PATCH, Method::DELETE];
        if refused.contains(&request.method) {
            return None;
        }
        let mut as_get = request.clone();
        as_get.method = Method::GET;
        let mut key = solutions::ex09_coalesce_key::coalescing_key(&as_get)?;
        key.method = request.method.clone();
        Some(key)
    }
}

/// Wrong: each header's first value only (`headers.get`): two `Cookie` lines that differ
/// in the second are one key, and one user's answer goes to another.
pub mod first_value_only {
    use axum::http::request::Parts;

    pub use solutions::ex09_coalesce_key::{CoalesceKey, replay_headers};

    pub fn coalescing_key(request: &Parts) -> Option<CoalesceKey> {
        let mut key = solutions::ex09_coalesce_key::coalescing_key(request)?;
        let mut seen = Vec::new();
        key.varying.retain(|(name, _)| {
            let first = !seen.contains(name);
            seen.push(name.clone());
            first
        });
        Some(key)
    }
}

/// Wrong: the path and the query glued together without their `?`: `/a?b=1` and `/ab=1`
/// are one key, and one page's answer is replayed for another.
pub mod path_and_query_glued {
    use axum::http::request::Parts;

    pub use solutions::ex09_coalesce_key::{CoalesceKey, replay_headers};

    pub fn coalescing_key(request: &Parts) -> Option<CoalesceKey> {
        let mut key = solutions::ex09_coalesce_key::coalescing_key(request)?;
        key.target = format!(
            "{}{}",
            request.uri.path(),
            request.uri.query().unwrap_or("")
        );
        Some(key)
    }
}

/// Wrong: the replay is built with `insert`, which keeps one value per name: a response
/// with two `Vary` or two `Link` lines reaches the crowd with one.
pub mod insert_keeps_one_value {
    use axum::http::{HeaderMap, header};

    pub use solutions::ex09_coalesce_key::{CoalesceKey, coalescing_key};

    pub fn replay_headers(headers: &HeaderMap, shared: bool) -> HeaderMap {
        let mut replayed = HeaderMap::new();
        for (name, value) in headers {
            if shared && name == header::SET_COOKIE {
                continue;
            }
            replayed.insert(name.clone(), value.clone());
        }
        replayed
    }
}
