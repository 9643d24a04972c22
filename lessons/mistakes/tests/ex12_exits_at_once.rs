//! Exercise 12's grader against the mistake `ex12::exits_at_once`: this must fail.

use mistakes::ex12::exits_at_once as subject;

#[path = "../../exercises/graders/ex12_graceful_shutdown.rs"]
mod grader;
