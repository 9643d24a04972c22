//! Runs exercise 09's grader against the reference solution.

use solutions::ex09_coalesce_key as subject;

#[path = "../../lessons/exercises/graders/ex09_coalesce_key.rs"]
mod grader;
