//! Exercise 04's grader against the mistake `ex04::untracked`: this must fail.

use mistakes::ex04::untracked as subject;

#[path = "../../exercises/graders/ex04_pollers.rs"]
mod grader;
