//! Exercise 09's grader against the mistake `ex09::replays_set_cookie`: this must fail.

use mistakes::ex09::replays_set_cookie as subject;

#[path = "../../exercises/graders/ex09_coalesce_key.rs"]
mod grader;
