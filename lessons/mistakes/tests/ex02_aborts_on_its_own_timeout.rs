//! Exercise 02's grader against the mistake `ex02::aborts_on_its_own_timeout`: this must fail.

use mistakes::ex02::aborts_on_its_own_timeout as subject;

#[path = "../../exercises/graders/ex02_deadline.rs"]
mod grader;
