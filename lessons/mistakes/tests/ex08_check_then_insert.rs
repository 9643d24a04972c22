//! Exercise 08's grader against the mistake `ex08::check_then_insert`: this must fail.

use mistakes::ex08::check_then_insert as subject;

#[path = "../../exercises/graders/ex08_singleflight.rs"]
mod grader;
