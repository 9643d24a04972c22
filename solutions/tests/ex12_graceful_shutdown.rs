//! Runs exercise 12's grader against the reference solution.

use solutions::ex12_graceful_shutdown as subject;

#[path = "../../lessons/exercises/graders/ex12_graceful_shutdown.rs"]
mod grader;
