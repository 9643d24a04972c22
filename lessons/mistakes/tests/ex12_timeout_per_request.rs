//! Exercise 12's grader against the mistake `ex12::timeout_per_request`: this must fail.

use mistakes::ex12::timeout_per_request as subject;

#[path = "../../exercises/graders/ex12_graceful_shutdown.rs"]
mod grader;
