//! Exercise 10's grader against the mistake `ex10::aborted_only_on_error`: this must fail.

use mistakes::ex10::aborted_only_on_error as subject;

#[path = "../../exercises/graders/ex10_fail_fast.rs"]
mod grader;
