//! Exercise 10's grader against the mistake `ex10::completion_order`: this must fail.

use mistakes::ex10::completion_order as subject;

#[path = "../../exercises/graders/ex10_fail_fast.rs"]
mod grader;
