//! Exercise 13's grader against the mistake `ex13::waits_for_the_tracker`: this must fail.

use mistakes::ex13::waits_for_the_tracker as subject;

#[path = "../../exercises/graders/ex13_leak_test.rs"]
mod grader;
