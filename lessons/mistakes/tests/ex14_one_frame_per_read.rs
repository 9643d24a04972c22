//! Exercise 14's grader against the mistake `ex14::one_frame_per_read`: this must fail.

use mistakes::ex14::one_frame_per_read as subject;

#[path = "../../exercises/graders/ex14_cancel_safe_loop.rs"]
mod grader;
