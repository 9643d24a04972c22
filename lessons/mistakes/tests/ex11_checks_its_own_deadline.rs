//! Exercise 11's grader against the mistake `ex11::checks_its_own_deadline`: this must fail.

use mistakes::ex11::checks_its_own_deadline as subject;

#[path = "../../exercises/graders/ex11_blocking_deadline.rs"]
mod grader;
