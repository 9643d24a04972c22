//! Exercise 13's grader against the mistake `ex13::count_only`: this must fail.

use mistakes::ex13::count_only as subject;

#[path = "../../exercises/graders/ex13_leak_test.rs"]
mod grader;
