//! Grades your `src/ex07_planted_leak.rs`: `cargo test -p exercises --test ex07_planted_leak`.

use exercises::ex07_planted_leak as subject;

#[path = "../graders/ex07_planted_leak.rs"]
mod grader;
