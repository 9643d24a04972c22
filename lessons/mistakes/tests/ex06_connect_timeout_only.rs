//! Exercise 06's grader against the mistake `ex06::connect_timeout_only`: this must fail.

use mistakes::ex06::connect_timeout_only as subject;

#[path = "../../exercises/graders/ex06_bounded_pool.rs"]
mod grader;
