//! Wrong: `Cache-Control` and `Vary` are read with `headers.get`, the first line only: a `no-store` or an `Origin` on a second line is never seen, and the response is shared.

use axum::http::{HeaderMap, header};
use lessons::singleflight::coalesce::KEY_HEADERS;

pub use solutions::ex09_coalesce_key::{CoalesceKey, coalescing_key};

pub fn may_share(headers: &HeaderMap) -> bool {
    let items = |name| {
        let line = headers.get(name).and_then(|line| line.to_str().ok());
        line.unwrap_or_default()
            .split(',')
            .map(|item| {
                item.split('=')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase()
            })
            .filter(|item| !item.is_empty())
            .collect::<Vec<_>>()
    };
    let cache_control = items(header::CACHE_CONTROL);
    !headers.contains_key(header::SET_COOKIE)
        && !cache_control
            .iter()
            .any(|item| item == "private" || item == "no-store")
        && items(header::VARY)
            .iter()
            .all(|name| KEY_HEADERS.iter().any(|key| key.as_str() == name))
}
