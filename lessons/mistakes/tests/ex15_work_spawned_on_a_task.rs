//! Exercise 15's grader against the mistake `ex15::work_spawned_on_a_task`: this must fail.

use mistakes::ex15::work_spawned_on_a_task as subject;

#[path = "../../exercises/graders/ex15_fleet_lease.rs"]
mod grader;
