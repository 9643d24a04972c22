//! Exercise 04's grader against the mistake `ex04::checks_between_calls`: this must fail.

use mistakes::ex04::checks_between_calls as subject;

#[path = "../../exercises/graders/ex04_pollers.rs"]
mod grader;
