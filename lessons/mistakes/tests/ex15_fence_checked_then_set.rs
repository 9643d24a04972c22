//! Exercise 15's grader against the mistake `ex15::fence_checked_then_set`: this must fail.

use mistakes::ex15::fence_checked_then_set as subject;

#[path = "../../exercises/graders/ex15_fleet_lease.rs"]
mod grader;
