//! Exercise 13's grader against the mistake `ex13::unbounded_shutdown`: this must fail.

use mistakes::ex13::unbounded_shutdown as subject;

#[path = "../../exercises/graders/ex13_leak_test.rs"]
mod grader;
