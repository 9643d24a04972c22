//! Exercise 02's grader against the mistake `ex02::timeout_per_call`: this must fail.

use mistakes::ex02::timeout_per_call as subject;

#[path = "../../exercises/graders/ex02_deadline.rs"]
mod grader;
