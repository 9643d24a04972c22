//! Exercise 14's grader against the mistake `ex14::read_exact_in_select`: this must fail.

use mistakes::ex14::read_exact_in_select as subject;

#[path = "../../exercises/graders/ex14_cancel_safe_loop.rs"]
mod grader;
