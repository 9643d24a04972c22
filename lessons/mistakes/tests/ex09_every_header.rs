//! Exercise 09's grader against the mistake `ex09::every_header`: this must fail.

use mistakes::ex09::every_header as subject;

#[path = "../../exercises/graders/ex09_coalesce_key.rs"]
mod grader;
