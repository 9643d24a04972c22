//! Exercise 13's grader against the mistake `ex13::shared_runtime`: this must fail.

use mistakes::ex13::shared_runtime as subject;

#[path = "../../exercises/graders/ex13_leak_test.rs"]
mod grader;
