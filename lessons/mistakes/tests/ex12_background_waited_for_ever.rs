//! Exercise 12's grader against the mistake `ex12::background_waited_for_ever`: this must fail.

use mistakes::ex12::background_waited_for_ever as subject;

#[path = "../../exercises/graders/ex12_graceful_shutdown.rs"]
mod grader;
