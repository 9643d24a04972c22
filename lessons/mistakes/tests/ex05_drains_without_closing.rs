//! Exercise 05's grader against the mistake `ex05::drains_without_closing`: this must fail.

use mistakes::ex05::drains_without_closing as subject;

#[path = "../../exercises/graders/ex05_safe_logger.rs"]
mod grader;
