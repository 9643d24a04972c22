//! Exercise 03's grader against the mistake `ex03::abort_after_the_await`: this must fail.

use mistakes::ex03::abort_after_the_await as subject;

#[path = "../../exercises/graders/ex03_cancel_spawned.rs"]
mod grader;
