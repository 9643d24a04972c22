//! Exercise 10's grader against the mistake `ex10::join_all_then_first_error`: this must fail.

use mistakes::ex10::join_all_then_first_error as subject;

#[path = "../../exercises/graders/ex10_fail_fast.rs"]
mod grader;
