//! Exercise 11's grader against the mistake `ex11::expects_the_join_error`: this must fail.

use mistakes::ex11::expects_the_join_error as subject;

#[path = "../../exercises/graders/ex11_blocking_deadline.rs"]
mod grader;
