//! Exercise 13's grader against the mistake `ex13::no_grace`: this must fail.

use mistakes::ex13::no_grace as subject;

#[path = "../../exercises/graders/ex13_leak_test.rs"]
mod grader;
