//! Runs exercise 11's grader against the reference solution.

use solutions::ex11_blocking_deadline as subject;

#[path = "../../lessons/exercises/graders/ex11_blocking_deadline.rs"]
mod grader;
