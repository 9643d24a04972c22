//! Exercise 11's grader against the mistake `ex11::steps_on_the_async_worker`: this must fail.

use mistakes::ex11::steps_on_the_async_worker as subject;

#[path = "../../exercises/graders/ex11_blocking_deadline.rs"]
mod grader;
