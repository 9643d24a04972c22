//! Exercise 11's grader against the mistake `ex11::yields_between_steps`: this must fail.

use mistakes::ex11::yields_between_steps as subject;

#[path = "../../exercises/graders/ex11_blocking_deadline.rs"]
mod grader;
