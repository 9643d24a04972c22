//! Exercise 01's grader against the mistake `ex01::sequential`: this must fail.

use mistakes::ex01::sequential as subject;

#[path = "../../exercises/graders/ex01_fan_out.rs"]
mod grader;
