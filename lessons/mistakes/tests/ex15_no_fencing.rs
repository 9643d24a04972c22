//! Exercise 15's grader against the mistake `ex15::no_fencing`: this must fail.

use mistakes::ex15::no_fencing as subject;

#[path = "../../exercises/graders/ex15_fleet_lease.rs"]
mod grader;
