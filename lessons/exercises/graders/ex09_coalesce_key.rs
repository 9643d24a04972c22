//! Grader for exercise 09: the coalescing key and the sharing rule.
//!
//! Shared by the exercise, the solution and the known mistakes (see `ex01_fan_out.rs`).
//! Pure functions: no runtime, no clock.
//!
//! The classes of half-right answers, and where each is caught:
//! * the demo's sizes: every method, OPTIONS, TRACE, CONNECT and methods of an
//!   application's own included (`only_get_and_head_are_coalesced`); every range and
//!   conditional header, not only the first two that come to mind
//!   (`range_conditional_and_no_cache_requests_go_straight_through`); headers sent
//!   twice, on the request (`every_value_of_a_repeated_header_is_in_the_key`) and on
//!   the response (`every_line_of_a_response_header_is_read`); a query that could be
//!   confused with the path (`a_query_is_never_confused_with_the_path`); two sites on
//!   one server (`the_site_asked_is_part_of_the_key`); list items in any case and with
//!   arguments, and words that only contain a directive
//!   (`a_directive_is_a_whole_item_in_any_case`);
//! * the contract: the key is a value the layer stores and compares across threads,
//!   so it must be `Send + Sync + Clone + Hash + Eq` (checked when this file
//!   compiles).
//!
//! Not applicable: races, dropped callers, shutdown, slow peers and "right eventually":
//! these are pure functions of one request or response head; the layer that runs them
//! (lesson 10, `lessons/src/singleflight/coalesce/`) carries those concerns, with a
//! test for each.

use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, Request, header};

use super::subject::{coalescing_key, may_share};

/// The head of a request: `method target`, then `name: value` headers.
fn request(method: Method, target: &str, headers: &[(&str, &str)]) -> Parts {
    let mut builder = Request::builder().method(method).uri(target);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(()).expect("a valid request").into_parts().0
}

fn get(target: &str, headers: &[(&str, &str)]) -> Parts {
    request(Method::GET, target, headers)
}

#[test]
fn only_get_and_head_are_coalesced() {
    let own_method = Method::from_bytes(b"PURGE").expect("a valid method");
    for method in [
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
        Method::TRACE,
        Method::CONNECT,
        own_method,
    ] {
        assert_eq!(
            coalescing_key(&request(method.clone(), "/report", &[])),
            None,
            "{method} must never be coalesced: only GET and HEAD are known to change nothing \
             on the server. A list of the methods to refuse always misses one (OPTIONS, \
             TRACE, CONNECT, an application's own): list the two to accept instead."
        );
    }
    assert!(
        coalescing_key(&get("/report", &[])).is_some(),
        "GET should be coalesced"
    );
    assert!(
        coalescing_key(&request(Method::HEAD, "/report", &[])).is_some(),
        "HEAD should be coalesced"
    );
    assert_ne!(
        coalescing_key(&get("/report", &[])),
        coalescing_key(&request(Method::HEAD, "/report", &[])),
        "a HEAD answer has no body: it must not be replayed to a GET"
    );
}

#[test]
fn identical_requests_share_a_key() {
    let headers = [("authorization", "Bearer alice"), ("accept", "text/html")];
    assert_eq!(
        coalescing_key(&get("/report?day=1", &headers)),
        coalescing_key(&get("/report?day=1", &headers))
    );
}

#[test]
fn the_path_and_the_query_are_part_of_the_key() {
    assert_ne!(
        coalescing_key(&get("/report", &[])),
        coalescing_key(&get("/invoice", &[]))
    );
    assert_ne!(
        coalescing_key(&get("/report?day=1", &[])),
        coalescing_key(&get("/report?day=2", &[])),
        "the query changes the answer: day 1's report is not day 2's"
    );
}

#[test]
fn credentials_are_part_of_the_key() {
    for name in ["authorization", "cookie", "proxy-authorization"] {
        assert_ne!(
            coalescing_key(&get("/me", &[(name, "alice")])),
            coalescing_key(&get("/me", &[(name, "bob")])),
            "two requests with different {name} headers may get different answers: a shared \
             key would replay one user's response to another"
        );
    }
    assert_ne!(
        coalescing_key(&get("/me", &[("cookie", "session=alice")])),
        coalescing_key(&get("/me", &[])),
        "a signed-in request and an anonymous one are not the same request"
    );
}

/// A key the middleware keeps in its map and compares from every thread.
#[allow(dead_code)] // only compiled, never run: the check is the compiler's
fn the_key_must_be_a_plain_value_shared_across_threads(key: super::subject::CoalesceKey) {
    fn map_key<T: Send + Sync + Clone + std::hash::Hash + Eq>(_: T) {}
    map_key(key);
}

#[test]
fn every_value_of_a_repeated_header_is_in_the_key() {
    for name in ["cookie", "authorization", "accept-language"] {
        assert_ne!(
            coalescing_key(&get("/me", &[(name, "shared=1"), (name, "user=alice")])),
            coalescing_key(&get("/me", &[(name, "shared=1"), (name, "user=bob")])),
            "two {name} lines that differ only in the second: `headers.get(name)` reads the \
             first line alone, and alice's answer would go to bob. Take every value \
             (`headers.get_all(name)`)."
        );
    }
}

#[test]
fn a_query_is_never_confused_with_the_path() {
    assert_ne!(
        coalescing_key(&get("/a?b=1", &[])),
        coalescing_key(&get("/ab=1", &[])),
        "/a?b=1 and /ab=1 are different targets: keep the path and query as sent, `?` and \
         all (`uri.path_and_query()`), rather than gluing the two together"
    );
    assert_ne!(
        coalescing_key(&get("/report?", &[])),
        coalescing_key(&get("/report?day=1", &[])),
        "an empty query and a query are different targets"
    );
}

#[test]
fn content_negotiation_is_part_of_the_key() {
    for (name, one, other) in [
        ("accept", "text/html", "application/json"),
        ("accept-encoding", "gzip", "identity"),
        ("accept-language", "en", "ja"),
    ] {
        assert_ne!(
            coalescing_key(&get("/report", &[(name, one)])),
            coalescing_key(&get("/report", &[(name, other)])),
            "{name}: {one} and {name}: {other} may get different answers"
        );
    }
}

#[test]
fn headers_that_do_not_change_the_answer_do_not_split_the_key() {
    assert_eq!(
        coalescing_key(&get(
            "/report",
            &[("user-agent", "curl/8"), ("x-request-id", "1")]
        )),
        coalescing_key(&get(
            "/report",
            &[("user-agent", "firefox"), ("x-request-id", "2")]
        )),
        "a key over every header never matches twice (every request has its own id): \
         take only the headers that can change the answer"
    );
}

#[test]
fn the_site_asked_is_part_of_the_key() {
    assert_ne!(
        coalescing_key(&get("/", &[("host", "shop.example")])),
        coalescing_key(&get("/", &[("host", "blog.example")])),
        "one server, two virtual hosts: `/` on one is not `/` on the other. The `Host` \
         header belongs in the key"
    );
    assert_ne!(
        coalescing_key(&get("http://shop.example/", &[])),
        coalescing_key(&get("http://blog.example/", &[])),
        "a request line with an authority (HTTP/2 always has one): keep the target as \
         sent, `uri.to_string()`, not only its path"
    );
    assert_ne!(
        coalescing_key(&get("http://shop.example/", &[])),
        coalescing_key(&get("https://shop.example/", &[])),
        "http and https may be different sites"
    );
}

#[test]
fn range_conditional_and_no_cache_requests_go_straight_through() {
    for (name, value) in [
        ("range", "bytes=0-99"),
        ("if-none-match", "\"v1\""),
        ("if-modified-since", "Tue, 01 Dec 2026 00:00:00 GMT"),
        ("if-match", "\"v1\""),
        ("if-unmodified-since", "Tue, 01 Dec 2026 00:00:00 GMT"),
        ("if-range", "\"v1\""),
        ("cache-control", "no-cache"),
        ("cache-control", "max-age=0, No-Cache"),
        ("pragma", "no-cache"),
    ] {
        assert_eq!(
            coalescing_key(&get("/report", &[(name, value)])),
            None,
            "a request with `{name}: {value}` must not join a crowd: a range or \
             conditional request gets a 206 or an empty 304 that must never reach a \
             plain GET (nor a plain 200 reach it), and no-cache asks for an answer of \
             its own"
        );
    }
    assert_eq!(
        coalescing_key(&get(
            "/report",
            &[
                ("cache-control", "max-age=0"),
                ("cache-control", "no-cache")
            ]
        )),
        None,
        "no-cache on the second Cache-Control line: read every line (`get_all`)"
    );
    assert!(
        coalescing_key(&get("/report", &[("cache-control", "max-age=60")])).is_some(),
        "Cache-Control: max-age=60 does not ask for a fresh answer: coalesce it"
    );
}

fn response(headers: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    map.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    for (name, value) in headers {
        map.append(
            axum::http::HeaderName::from_bytes(name.as_bytes()).expect("a valid name"),
            HeaderValue::from_str(value).expect("a valid value"),
        );
    }
    map
}

#[test]
fn a_plain_response_may_be_shared() {
    for headers in [
        &[][..],
        &[("cache-control", "public, max-age=60")],
        &[("cache-control", "no-cache")],
        &[("vary", "Accept-Encoding")],
        &[("vary", "accept, accept-language"), ("vary", "Cookie")],
    ] {
        assert!(
            may_share(&response(headers)),
            "{headers:?}: nothing here belongs to one client, and every header a `Vary` \
             names is in the key: share it, or the layer saves nothing"
        );
    }
}

#[test]
fn a_response_that_sets_a_cookie_is_never_shared() {
    assert!(
        !may_share(&response(&[("set-cookie", "session=42")])),
        "a cookie is one client's session, never a crowd's: five logins at once must \
         give five sessions"
    );
}

#[test]
fn a_private_or_unstored_response_is_never_shared() {
    for value in [
        "private",
        "no-store",
        "max-age=60, Private",
        "private=\"set-cookie\"",
    ] {
        assert!(
            !may_share(&response(&[("cache-control", value)])),
            "Cache-Control: {value}: the response says it is one user's, or must not be \
             kept; compare each comma-separated item, in any case, before any `=`"
        );
    }
}

#[test]
fn a_response_that_varies_outside_the_key_is_never_shared() {
    for value in ["Origin", "accept-encoding, Origin", "*", "X-Tenant"] {
        assert!(
            !may_share(&response(&[("vary", value)])),
            "Vary: {value}: the answer depends on a request header the key does not hold \
             (or on anything, for `*`): callers who differ there would get each other's \
             answer"
        );
    }
}

#[test]
fn every_line_of_a_response_header_is_read() {
    for lines in [
        [
            ("cache-control", "max-age=60"),
            ("cache-control", "no-store"),
        ],
        [("vary", "accept-encoding"), ("vary", "origin")],
    ] {
        assert!(
            !may_share(&response(&lines)),
            "{lines:?}: the rule's word is on the second line. `headers.get` reads the \
             first alone; read every line (`get_all`)"
        );
    }
}

#[test]
fn a_directive_is_a_whole_item_in_any_case() {
    assert!(
        may_share(&response(&[(
            "cache-control",
            "max-age=60, x-private-beta"
        )])),
        "`x-private-beta` is not `private`: compare whole items, not substrings, or \
         responses that may be shared never are"
    );
    assert!(
        !may_share(&response(&[("cache-control", "NO-STORE")])),
        "directives are compared without regard to case"
    );
}
