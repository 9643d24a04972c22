//! Exercise 15's grader against the mistake `ex15::token_on_the_lease_key`: this must fail.

use mistakes::ex15::token_on_the_lease_key as subject;

#[path = "../../exercises/graders/ex15_fleet_lease.rs"]
mod grader;
