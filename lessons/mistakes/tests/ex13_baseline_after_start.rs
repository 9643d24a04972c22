//! Exercise 13's grader against the mistake `ex13::baseline_after_start`: this must fail.

use mistakes::ex13::baseline_after_start as subject;

#[path = "../../exercises/graders/ex13_leak_test.rs"]
mod grader;
