//! Exercise 09's grader against the mistake `ex09_no_query`: this must fail.

use mistakes::ex09_no_query as subject;

#[path = "../../exercises/graders/ex09_coalesce_key.rs"]
mod grader;
