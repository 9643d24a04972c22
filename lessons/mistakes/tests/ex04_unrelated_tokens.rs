//! Exercise 04's grader against the mistake `ex04::unrelated_tokens`: this must fail.

use mistakes::ex04::unrelated_tokens as subject;

#[path = "../../exercises/graders/ex04_pollers.rs"]
mod grader;
