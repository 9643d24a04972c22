//! Exercise 06's grader against the mistake `ex06::spins_when_dropped`: this must fail.

use mistakes::ex06::spins_when_dropped as subject;

#[path = "../../exercises/graders/ex06_bounded_pool.rs"]
mod grader;
