//! Exercise 11's grader against the mistake `ex11::block_in_place`: this must fail.

use mistakes::ex11::block_in_place as subject;

#[path = "../../exercises/graders/ex11_blocking_deadline.rs"]
mod grader;
