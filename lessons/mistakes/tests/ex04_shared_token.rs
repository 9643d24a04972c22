//! Exercise 04's grader against the mistake `ex04::shared_token`: this must fail.

use mistakes::ex04::shared_token as subject;

#[path = "../../exercises/graders/ex04_pollers.rs"]
mod grader;
