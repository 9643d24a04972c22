//! Runs exercise 05's grader against the reference solution.

use solutions::ex05_safe_logger as subject;

#[path = "../../lessons/exercises/graders/ex05_safe_logger.rs"]
mod grader;
