//! Grades your `src/ex05_safe_logger.rs`: `cargo test -p exercises --test ex05_safe_logger`.

use exercises::ex05_safe_logger as subject;

#[path = "../graders/ex05_safe_logger.rs"]
mod grader;
