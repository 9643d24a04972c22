//! Grades your `src/ex12_graceful_shutdown.rs`: `cargo test -p exercises --test ex12_graceful_shutdown`.

use exercises::ex12_graceful_shutdown as subject;

#[path = "../graders/ex12_graceful_shutdown.rs"]
mod grader;
