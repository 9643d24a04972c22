//! Exercise 03's grader against the mistake `ex03::plain_spawn`: this must fail.

use mistakes::ex03::plain_spawn as subject;

#[path = "../../exercises/graders/ex03_cancel_spawned.rs"]
mod grader;
