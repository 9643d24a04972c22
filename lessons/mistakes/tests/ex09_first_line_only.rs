//! Exercise 09's grader against the mistake `ex09::first_line_only`: this must fail.

use mistakes::ex09::first_line_only as subject;

#[path = "../../exercises/graders/ex09_coalesce_key.rs"]
mod grader;
