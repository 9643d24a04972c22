//! Exercise 11's grader against the mistake `ex11::spawned_then_timed_out`: this must fail.

use mistakes::ex11::spawned_then_timed_out as subject;

#[path = "../../exercises/graders/ex11_blocking_deadline.rs"]
mod grader;
