//! Exercise 15's grader against the mistake `ex15::release_with_plain_del`: this must fail.

use mistakes::ex15::release_with_plain_del as subject;

#[path = "../../exercises/graders/ex15_fleet_lease.rs"]
mod grader;
