//! Exercise 06's grader against the mistake `ex06::lock_held_while_working`: this must fail.

use mistakes::ex06::lock_held_while_working as subject;

#[path = "../../exercises/graders/ex06_bounded_pool.rs"]
mod grader;
