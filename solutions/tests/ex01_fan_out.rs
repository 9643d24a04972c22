//! Runs exercise 01's grader against the reference solution.

use solutions::ex01_fan_out as subject;

#[path = "../../lessons/exercises/graders/ex01_fan_out.rs"]
mod grader;
