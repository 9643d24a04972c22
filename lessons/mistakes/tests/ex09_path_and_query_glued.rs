//! Exercise 09's grader against the mistake `ex09::path_and_query_glued`: this must fail.

use mistakes::ex09::path_and_query_glued as subject;

#[path = "../../exercises/graders/ex09_coalesce_key.rs"]
mod grader;
