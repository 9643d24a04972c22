//! Exercise 15's grader against the mistake `ex15::token_taken_after_the_lease`: this must fail.

use mistakes::ex15::token_taken_after_the_lease as subject;

#[path = "../../exercises/graders/ex15_fleet_lease.rs"]
mod grader;
