//! Exercise 12's grader against the mistake `ex12::background_waited_before_the_drain`: this must fail.

use mistakes::ex12::background_waited_before_the_drain as subject;

#[path = "../../exercises/graders/ex12_graceful_shutdown.rs"]
mod grader;
