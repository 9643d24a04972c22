//! Exercise 09's grader against the mistake `ex09::substring_match`: this must fail.

use mistakes::ex09::substring_match as subject;

#[path = "../../exercises/graders/ex09_coalesce_key.rs"]
mod grader;
