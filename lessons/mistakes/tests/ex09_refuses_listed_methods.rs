//! Exercise 09's grader against the mistake `ex09::refuses_listed_methods`: this must fail.

use mistakes::ex09::refuses_listed_methods as subject;

#[path = "../../exercises/graders/ex09_coalesce_key.rs"]
mod grader;
