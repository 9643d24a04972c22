//! Exercise 14's grader against the mistake `ex14::finishes_the_frame_before_stopping`: this must fail.

use mistakes::ex14::finishes_the_frame_before_stopping as subject;

#[path = "../../exercises/graders/ex14_cancel_safe_loop.rs"]
mod grader;
