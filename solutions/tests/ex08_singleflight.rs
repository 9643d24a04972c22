//! Runs exercise 08's grader against the reference solution.

use solutions::ex08_singleflight as subject;

#[path = "../../lessons/exercises/graders/ex08_singleflight.rs"]
mod grader;
