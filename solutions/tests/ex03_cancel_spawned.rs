//! Runs exercise 03's grader against the reference solution.

use solutions::ex03_cancel_spawned as subject;

#[path = "../../lessons/exercises/graders/ex03_cancel_spawned.rs"]
mod grader;
