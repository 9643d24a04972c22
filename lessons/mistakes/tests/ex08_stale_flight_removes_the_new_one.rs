//! Exercise 08's grader against the mistake `ex08::stale_flight_removes_the_new_one`: this must fail.

use mistakes::ex08::stale_flight_removes_the_new_one as subject;

#[path = "../../exercises/graders/ex08_singleflight.rs"]
mod grader;
