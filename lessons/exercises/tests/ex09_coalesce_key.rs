//! Grades your `src/ex09_coalesce_key.rs`: `cargo test -p exercises --test ex09_coalesce_key`.

use exercises::ex09_coalesce_key as subject;

#[path = "../graders/ex09_coalesce_key.rs"]
mod grader;
