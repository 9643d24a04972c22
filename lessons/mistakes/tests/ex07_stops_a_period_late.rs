//! Exercise 07's grader against the mistake `ex07::stops_a_period_late`: this must fail.

use mistakes::ex07::stops_a_period_late as subject;

#[path = "../../exercises/graders/ex07_planted_leak.rs"]
mod grader;
