//! Exercise 04's grader against the mistake `ex04::spins_after_cancel`: this must fail.

use mistakes::ex04::spins_after_cancel as subject;

#[path = "../../exercises/graders/ex04_pollers.rs"]
mod grader;
