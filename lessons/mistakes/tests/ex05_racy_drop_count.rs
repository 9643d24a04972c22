//! Exercise 05's grader against the mistake `ex05::racy_drop_count`: this must fail.

use mistakes::ex05::racy_drop_count as subject;

#[path = "../../exercises/graders/ex05_safe_logger.rs"]
mod grader;
