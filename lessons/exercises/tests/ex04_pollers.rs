//! Grades your `src/ex04_pollers.rs`: `cargo test -p exercises --test ex04_pollers`.

use exercises::ex04_pollers as subject;

#[path = "../graders/ex04_pollers.rs"]
mod grader;
