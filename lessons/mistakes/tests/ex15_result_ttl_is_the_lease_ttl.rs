//! Exercise 15's grader against the mistake `ex15::result_ttl_is_the_lease_ttl`: this must fail.

use mistakes::ex15::result_ttl_is_the_lease_ttl as subject;

#[path = "../../exercises/graders/ex15_fleet_lease.rs"]
mod grader;
