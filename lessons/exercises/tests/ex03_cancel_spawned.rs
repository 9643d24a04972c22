//! Grades your `src/ex03_cancel_spawned.rs`: `cargo test -p exercises --test ex03_cancel_spawned`.

use exercises::ex03_cancel_spawned as subject;

#[path = "../graders/ex03_cancel_spawned.rs"]
mod grader;
