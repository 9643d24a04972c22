//! Grades your `src/ex02_deadline.rs`: `cargo test -p exercises --test ex02_deadline`.

use exercises::ex02_deadline as subject;

#[path = "../graders/ex02_deadline.rs"]
mod grader;
