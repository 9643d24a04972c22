//! Exercise 15's grader against the mistake `ex15::token_expires_with_the_lease`: this must fail.

use mistakes::ex15::token_expires_with_the_lease as subject;

#[path = "../../exercises/graders/ex15_fleet_lease.rs"]
mod grader;
