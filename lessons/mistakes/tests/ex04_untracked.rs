//! Exercise 04's grader against the mistake `ex04_untracked`: this must fail.

use mistakes::ex04_untracked as subject;

#[path = "../../exercises/graders/ex04_pollers.rs"]
mod grader;
