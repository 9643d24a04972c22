//! Exercise 14's grader against the mistake `ex14::heartbeats_from_a_task`: this must fail.

use mistakes::ex14::heartbeats_from_a_task as subject;

#[path = "../../exercises/graders/ex14_cancel_safe_loop.rs"]
mod grader;
