//! Exercise 12's grader against the mistake `ex12::keeps_accepting`: this must fail.

use mistakes::ex12::keeps_accepting as subject;

#[path = "../../exercises/graders/ex12_graceful_shutdown.rs"]
mod grader;
