//! Exercise 15's grader against the mistake `ex15::release_checked_then_deleted`: this must fail.

use mistakes::ex15::release_checked_then_deleted as subject;

#[path = "../../exercises/graders/ex15_fleet_lease.rs"]
mod grader;
