//! Grades your `src/ex10_fail_fast.rs`: `cargo test -p exercises --test ex10_fail_fast`.

use exercises::ex10_fail_fast as subject;

#[path = "../graders/ex10_fail_fast.rs"]
mod grader;
