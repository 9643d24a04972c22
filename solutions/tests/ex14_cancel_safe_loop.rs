//! Runs exercise 14's grader against the reference solution.

use solutions::ex14_cancel_safe_loop as subject;

#[path = "../../lessons/exercises/graders/ex14_cancel_safe_loop.rs"]
mod grader;
