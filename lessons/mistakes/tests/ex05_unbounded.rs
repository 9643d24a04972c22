//! Exercise 05's grader against the mistake `ex05::unbounded`: this must fail.

use mistakes::ex05::unbounded as subject;

#[path = "../../exercises/graders/ex05_safe_logger.rs"]
mod grader;
