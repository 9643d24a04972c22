//! Exercise 09's grader against the mistake `ex09::insert_keeps_one_value`: this must fail.

use mistakes::ex09::insert_keeps_one_value as subject;

#[path = "../../exercises/graders/ex09_coalesce_key.rs"]
mod grader;
