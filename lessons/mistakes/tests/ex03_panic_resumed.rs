//! Exercise 03's grader against the mistake `ex03::panic_resumed`: this must fail.

use mistakes::ex03::panic_resumed as subject;

#[path = "../../exercises/graders/ex03_cancel_spawned.rs"]
mod grader;
