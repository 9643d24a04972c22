//! Exercise 11's grader against the mistake `ex11::flag_set_on_timeout_only`: this must fail.

use mistakes::ex11::flag_set_on_timeout_only as subject;

#[path = "../../exercises/graders/ex11_blocking_deadline.rs"]
mod grader;
