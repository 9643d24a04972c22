//! Exercise 10's grader against the mistake `ex10::handles_awaited_in_order`: this must fail.

use mistakes::ex10::handles_awaited_in_order as subject;

#[path = "../../exercises/graders/ex10_fail_fast.rs"]
mod grader;
