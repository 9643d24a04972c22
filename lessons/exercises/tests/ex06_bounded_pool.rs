//! Grades your `src/ex06_bounded_pool.rs`: `cargo test -p exercises --test ex06_bounded_pool`.

use exercises::ex06_bounded_pool as subject;

#[path = "../graders/ex06_bounded_pool.rs"]
mod grader;
