//! Exercise 06's grader against the mistake `ex06::never_stops`: this must fail.

use mistakes::ex06::never_stops as subject;

#[path = "../../exercises/graders/ex06_bounded_pool.rs"]
mod grader;
