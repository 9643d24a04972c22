//! Runs exercise 07's grader against the reference solution.

use solutions::ex07_planted_leak as subject;

#[path = "../../lessons/exercises/graders/ex07_planted_leak.rs"]
mod grader;
