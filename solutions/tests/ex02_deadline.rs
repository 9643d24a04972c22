//! Runs exercise 02's grader against the reference solution.

use solutions::ex02_deadline as subject;

#[path = "../../lessons/exercises/graders/ex02_deadline.rs"]
mod grader;
