//! Exercise 05's grader against the mistake `ex05::no_flush`: this must fail.

use mistakes::ex05::no_flush as subject;

#[path = "../../exercises/graders/ex05_safe_logger.rs"]
mod grader;
