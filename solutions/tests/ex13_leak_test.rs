//! Runs exercise 13's grader against the reference solution.

use solutions::ex13_leak_test as subject;

#[path = "../../lessons/exercises/graders/ex13_leak_test.rs"]
mod grader;
