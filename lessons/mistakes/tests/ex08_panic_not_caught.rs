//! Exercise 08's grader against the mistake `ex08::panic_not_caught`: this must fail.

use mistakes::ex08::panic_not_caught as subject;

#[path = "../../exercises/graders/ex08_singleflight.rs"]
mod grader;
