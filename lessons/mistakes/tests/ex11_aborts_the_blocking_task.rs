//! Exercise 11's grader against the mistake `ex11::aborts_the_blocking_task`: this must fail.

use mistakes::ex11::aborts_the_blocking_task as subject;

#[path = "../../exercises/graders/ex11_blocking_deadline.rs"]
mod grader;
