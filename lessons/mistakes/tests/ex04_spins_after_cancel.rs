//! Exercise 04's grader against the mistake `ex04_spins_after_cancel`: this must fail, and end.

use mistakes::ex04_spins_after_cancel as subject;

#[path = "../../exercises/graders/ex04_pollers.rs"]
mod grader;
