//! Exercise 02's grader against the mistake `ex02::spawned_then_timed_out`: this must fail.

use mistakes::ex02::spawned_then_timed_out as subject;

#[path = "../../exercises/graders/ex02_deadline.rs"]
mod grader;
