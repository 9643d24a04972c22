//! Exercise 10's grader against the mistake `ex10::aborts_without_waiting`: this must fail.

use mistakes::ex10::aborts_without_waiting as subject;

#[path = "../../exercises/graders/ex10_fail_fast.rs"]
mod grader;
