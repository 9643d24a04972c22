//! Exercise 10's grader against the mistake `ex10::as_many_as_the_cores`: this must fail.

use mistakes::ex10::as_many_as_the_cores as subject;

#[path = "../../exercises/graders/ex10_fail_fast.rs"]
mod grader;
