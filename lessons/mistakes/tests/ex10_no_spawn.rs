//! Exercise 10's grader against the mistake `ex10::no_spawn`: this must fail.

use mistakes::ex10::no_spawn as subject;

#[path = "../../exercises/graders/ex10_fail_fast.rs"]
mod grader;
