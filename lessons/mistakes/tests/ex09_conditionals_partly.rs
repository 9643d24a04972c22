//! Exercise 09's grader against the mistake `ex09::conditionals_partly`: this must fail.

use mistakes::ex09::conditionals_partly as subject;

#[path = "../../exercises/graders/ex09_coalesce_key.rs"]
mod grader;
