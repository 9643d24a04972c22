//! Exercise 08's grader against the mistake `ex08::lost_wake_up`: this must fail.

use mistakes::ex08::lost_wake_up as subject;

#[path = "../../exercises/graders/ex08_singleflight.rs"]
mod grader;
