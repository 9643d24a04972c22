//! Exercise 09's grader against the mistake `ex09::no_host`: this must fail.

use mistakes::ex09::no_host as subject;

#[path = "../../exercises/graders/ex09_coalesce_key.rs"]
mod grader;
