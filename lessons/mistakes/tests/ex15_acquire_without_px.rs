//! Exercise 15's grader against the mistake `ex15::acquire_without_px`: this must fail.

use mistakes::ex15::acquire_without_px as subject;

#[path = "../../exercises/graders/ex15_fleet_lease.rs"]
mod grader;
