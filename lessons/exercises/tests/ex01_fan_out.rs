//! Grades your `src/ex01_fan_out.rs`: `cargo test -p exercises --test ex01_fan_out`.

use exercises::ex01_fan_out as subject;

#[path = "../graders/ex01_fan_out.rs"]
mod grader;
