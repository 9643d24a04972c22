//! Exercise 07's grader against the mistake `ex07::no_heartbeat`: this must fail.

use mistakes::ex07::no_heartbeat as subject;

#[path = "../../exercises/graders/ex07_planted_leak.rs"]
mod grader;
