//! Exercise 10's grader against the mistake `ex10::panics_with_the_join_error`: this must fail.

use mistakes::ex10::panics_with_the_join_error as subject;

#[path = "../../exercises/graders/ex10_fail_fast.rs"]
mod grader;
