//! Exercise 01's grader against the mistake `ex01::four_at_a_time`: this must fail.

use mistakes::ex01::four_at_a_time as subject;

#[path = "../../exercises/graders/ex01_fan_out.rs"]
mod grader;
