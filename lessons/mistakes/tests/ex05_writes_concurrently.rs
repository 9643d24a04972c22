//! Exercise 05's grader against the mistake `ex05::writes_concurrently`: this must fail.

use mistakes::ex05::writes_concurrently as subject;

#[path = "../../exercises/graders/ex05_safe_logger.rs"]
mod grader;
