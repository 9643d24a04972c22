//! Exercise 14's grader against the mistake `ex14::timer_restarts_on_every_read`: this must fail.

use mistakes::ex14::timer_restarts_on_every_read as subject;

#[path = "../../exercises/graders/ex14_cancel_safe_loop.rs"]
mod grader;
