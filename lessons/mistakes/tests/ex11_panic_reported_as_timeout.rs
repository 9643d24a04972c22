//! Exercise 11's grader against the mistake `ex11::panic_reported_as_timeout`: this must fail.

use mistakes::ex11::panic_reported_as_timeout as subject;

#[path = "../../exercises/graders/ex11_blocking_deadline.rs"]
mod grader;
