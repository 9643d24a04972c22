//! Exercise 10's grader against the mistake `ex10::panic_ends_the_loop`: this must fail.

use mistakes::ex10::panic_ends_the_loop as subject;

#[path = "../../exercises/graders/ex10_fail_fast.rs"]
mod grader;
