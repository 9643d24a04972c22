//! Exercise 01's grader against the mistake `ex01::placed_by_key`: this must fail.

use mistakes::ex01::placed_by_key as subject;

#[path = "../../exercises/graders/ex01_fan_out.rs"]
mod grader;
