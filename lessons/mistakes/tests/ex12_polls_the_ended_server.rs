//! Exercise 12's grader against the mistake `ex12::polls_the_ended_server`: this must fail.

use mistakes::ex12::polls_the_ended_server as subject;

#[path = "../../exercises/graders/ex12_graceful_shutdown.rs"]
mod grader;
