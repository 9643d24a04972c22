//! Exercise 12's grader against the mistake `ex12::tracker_never_closed`: this must fail.

use mistakes::ex12::tracker_never_closed as subject;

#[path = "../../exercises/graders/ex12_graceful_shutdown.rs"]
mod grader;
