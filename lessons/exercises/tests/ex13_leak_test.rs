//! Grades your `src/ex13_leak_test.rs`: `cargo test -p exercises --test ex13_leak_test`.

use exercises::ex13_leak_test as subject;

#[path = "../graders/ex13_leak_test.rs"]
mod grader;
