//! Exercise 14's grader against the mistake `ex14::ignores_a_closed_channel`: this must fail.

use mistakes::ex14::ignores_a_closed_channel as subject;

#[path = "../../exercises/graders/ex14_cancel_safe_loop.rs"]
mod grader;
