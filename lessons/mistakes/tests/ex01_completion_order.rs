//! Exercise 01's grader against the mistake `ex01::completion_order`: this must fail.

use mistakes::ex01::completion_order as subject;

#[path = "../../exercises/graders/ex01_fan_out.rs"]
mod grader;
