//! Exercise 11's grader against the mistake `ex11::waits_for_the_step_under_way`: this must fail.

use mistakes::ex11::waits_for_the_step_under_way as subject;

#[path = "../../exercises/graders/ex11_blocking_deadline.rs"]
mod grader;
