//! Wrong: the replay is built with `insert`, which keeps one value per name: a response with two `Vary` or two `Link` lines reaches the crowd with one.

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
