//! Exercise 15's grader against the mistake `ex15::holder_is_the_process_id`: this must fail.

use mistakes::ex15::holder_is_the_process_id as subject;

#[path = "../../exercises/graders/ex15_fleet_lease.rs"]
mod grader;
