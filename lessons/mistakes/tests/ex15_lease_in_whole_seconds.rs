//! Exercise 15's grader against the mistake `ex15::lease_in_whole_seconds`: this must fail.

use mistakes::ex15::lease_in_whole_seconds as subject;

#[path = "../../exercises/graders/ex15_fleet_lease.rs"]
mod grader;
