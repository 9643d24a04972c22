//! Exercise 05's grader against the mistake `ex05::outlives_its_logger`: this must fail.

use mistakes::ex05::outlives_its_logger as subject;

#[path = "../../exercises/graders/ex05_safe_logger.rs"]
mod grader;
