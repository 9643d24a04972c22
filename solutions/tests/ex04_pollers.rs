//! Runs exercise 04's grader against the reference solution.

use solutions::ex04_pollers as subject;

#[path = "../../lessons/exercises/graders/ex04_pollers.rs"]
mod grader;
