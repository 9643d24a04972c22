//! Runs exercise 10's grader against the reference solution.

use solutions::ex10_fail_fast as subject;

#[path = "../../lessons/exercises/graders/ex10_fail_fast.rs"]
mod grader;
