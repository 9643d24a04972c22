//! Grader for exercise 09: the coalescing key and the replay rules.
//!
//! Shared by the exercise, the solution and the known mistakes (see `ex01_fan_out.rs`).
//! Pure functions: no runtime, no clock.

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
    for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
        assert_eq!(
            coalescing_key(&request(method.clone(), "/report", &[])),
            None,
            "{method} changes things: never coalesce it"
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
