//! Exercise 12's grader against the mistake `ex12::deadline_from_the_start`: this must fail.

use mistakes::ex12::deadline_from_the_start as subject;

#[path = "../../exercises/graders/ex12_graceful_shutdown.rs"]
mod grader;
