//! Exercise 12's grader against the mistake `ex12::returns_at_the_deadline`: this must fail.

use mistakes::ex12::returns_at_the_deadline as subject;

#[path = "../../exercises/graders/ex12_graceful_shutdown.rs"]
mod grader;
