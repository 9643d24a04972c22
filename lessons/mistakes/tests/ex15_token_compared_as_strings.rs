//! Exercise 15's grader against the mistake `ex15::token_compared_as_strings`: this must fail.

use mistakes::ex15::token_compared_as_strings as subject;

#[path = "../../exercises/graders/ex15_fleet_lease.rs"]
mod grader;
