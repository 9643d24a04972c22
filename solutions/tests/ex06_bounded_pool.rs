//! Runs exercise 06's grader against the reference solution.

use solutions::ex06_bounded_pool as subject;

#[path = "../../lessons/exercises/graders/ex06_bounded_pool.rs"]
mod grader;
