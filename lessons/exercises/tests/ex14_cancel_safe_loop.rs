//! Grades your `src/ex14_cancel_safe_loop.rs`:
//! `cargo test -p exercises --test ex14_cancel_safe_loop`.

use exercises::ex14_cancel_safe_loop as subject;

#[path = "../graders/ex14_cancel_safe_loop.rs"]
mod grader;
