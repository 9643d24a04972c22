//! Exercise 10's grader against the mistake `ex10::others_left_running`: this must fail.

use mistakes::ex10::others_left_running as subject;

#[path = "../../exercises/graders/ex10_fail_fast.rs"]
mod grader;
