//! Exercise 15's grader against the mistake `ex15::renewal_task_outlives_a_drop`: this must fail.

use mistakes::ex15::renewal_task_outlives_a_drop as subject;

#[path = "../../exercises/graders/ex15_fleet_lease.rs"]
mod grader;
