//! Exercise 11's grader against the mistake `ex11::runs_on_after_a_panic`: this must fail.

use mistakes::ex11::runs_on_after_a_panic as subject;

#[path = "../../exercises/graders/ex11_blocking_deadline.rs"]
mod grader;
