//! Grader for exercise 09: the coalescing key and the replay rules.
//!
//! Shared by the exercise, the solution and the known mistakes (see `ex01_fan_out.rs`).
//! Pure functions: no runtime, no clock.
//!
//! The classes of half-right answers, and where each is caught:
//! * the demo's sizes: every method, OPTIONS, TRACE, CONNECT and methods of an
//!   application's own included (`only_get_and_head_are_coalesced`); headers sent
//!   twice, on the request (`every_value_of_a_repeated_header_is_in_the_key`) and on
//!   the response (`a_replay_keeps_every_value_of_a_repeated_header`); a query that
//!   could be confused with the path (`a_query_is_never_confused_with_the_path`);
//! * the contract: the key is a value the middleware stores and compares across
//!   threads, so it must be `Send + Sync + Clone + Hash + Eq` (checked when this file
//!   compiles).
//!
//! Not applicable: races, dropped callers, shutdown, slow peers and "right eventually":
//! these are pure functions of one request or response head; the middleware that
//! runs them (lesson 10) carries those concerns.

use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, Request, header};

use super::subject::{coalescing_key, replay_headers};

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

fn response_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    headers.insert(header::SET_COOKIE, HeaderValue::from_static("session=42"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("max-age=5"));
    headers
}

#[test]
fn a_shared_replay_never_carries_set_cookie() {
    let replayed = replay_headers(&response_headers(), true);
    assert!(
        !replayed.contains_key(header::SET_COOKIE),
        "a cookie is one client's, never a crowd's"
    );
    assert_eq!(
        replayed.get(header::CONTENT_TYPE),
        Some(&HeaderValue::from_static("text/plain")),
        "other headers stay"
    );
    assert_eq!(
        replayed.get(header::CACHE_CONTROL),
        Some(&HeaderValue::from_static("max-age=5")),
        "other headers stay"
    );
}

#[test]
fn a_caller_who_was_alone_gets_every_header() {
    assert_eq!(
        replay_headers(&response_headers(), false),
        response_headers(),
        "nothing was shared: nothing to hold back"
    );
}

#[test]
fn a_replay_keeps_every_value_of_a_repeated_header() {
    let mut headers = HeaderMap::new();
    headers.append(header::VARY, HeaderValue::from_static("accept"));
    headers.append(header::VARY, HeaderValue::from_static("accept-language"));
    headers.append(
        header::LINK,
        HeaderValue::from_static("</a.css>; rel=preload"),
    );
    headers.append(
        header::LINK,
        HeaderValue::from_static("</b.js>; rel=preload"),
    );
    headers.append(header::SET_COOKIE, HeaderValue::from_static("a=1"));
    headers.append(header::SET_COOKIE, HeaderValue::from_static("b=2"));
    let replayed = replay_headers(&headers, true);
    for name in [header::VARY, header::LINK] {
        assert_eq!(
            replayed.get_all(&name).iter().count(),
            2,
            "the response had two {name} lines and the replay has {}: `HeaderMap::insert` \
             replaces every earlier value of a name; copy with `append`, or clone the map \
             and remove what must not go",
            replayed.get_all(&name).iter().count()
        );
    }
    assert!(
        !replayed.contains_key(header::SET_COOKIE),
        "two Set-Cookie lines: neither may reach a crowd"
    );
}
