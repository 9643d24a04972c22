//! Which responses may be given to several callers: the default sharing rule.

use http::{HeaderMap, header};

use super::key::{KEY_HEADERS, has_directive};

// ANCHOR: share
/// Whether a response may be replayed to every caller of its flight. Not when it:
///
/// * sets a cookie (`Set-Cookie`): a session belongs to one client;
/// * says it is one user's (`Cache-Control: private`) or must not be kept at all
///   (`no-store`);
/// * varies on a request header the key does not hold (`Vary: Origin`), or on
///   anything (`Vary: *`): callers that differ there would get each other's answer.
///
/// A response that may not be shared still reaches the caller whose request made it,
/// intact; every other caller of the flight runs its own request.
pub fn may_share(headers: &HeaderMap) -> bool {
    if headers.contains_key(header::SET_COOKIE)
        || has_directive(headers, &header::CACHE_CONTROL, "private")
        || has_directive(headers, &header::CACHE_CONTROL, "no-store")
    {
        return false;
    }
    headers
        .get_all(header::VARY)
        .iter()
        .all(|line| match line.to_str() {
            Ok(line) => line.split(',').map(str::trim).all(|name| {
                name.is_empty()
                    || KEY_HEADERS
                        .iter()
                        .any(|key| key.as_str().eq_ignore_ascii_case(name))
            }),
            // A line that is not text cannot be checked: do not share.
            Err(_) => false,
        })
}
// ANCHOR_END: share
