//! Grades your `src/ex08_singleflight.rs`: `cargo test -p exercises --test ex08_singleflight`.

use exercises::ex08_singleflight as subject;

#[path = "../graders/ex08_singleflight.rs"]
mod grader;
