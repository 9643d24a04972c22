//! Exercise 06's grader against the mistake `ex06::panics_after_shutdown`: this must fail.

use mistakes::ex06::panics_after_shutdown as subject;

#[path = "../../exercises/graders/ex06_bounded_pool.rs"]
mod grader;
