//! Grades your `src/ex11_blocking_deadline.rs`: `cargo test -p exercises --test ex11_blocking_deadline`.

use exercises::ex11_blocking_deadline as subject;

#[path = "../graders/ex11_blocking_deadline.rs"]
mod grader;
