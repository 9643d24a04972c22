//! Wrong: the methods to refuse are listed, POST, PUT, PATCH and DELETE: OPTIONS, TRACE, CONNECT and an application's own methods slip through and are coalesced.

use axum::http::Method;
use axum::http::request::Parts;

pub use solutions::ex09_coalesce_key::{CoalesceKey, may_share};

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
