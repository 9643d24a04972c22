//! Exercise 15's grader against the mistake `ex15::lost_lease_abandons_work`: this must fail.

use mistakes::ex15::lost_lease_abandons_work as subject;

#[path = "../../exercises/graders/ex15_fleet_lease.rs"]
mod grader;
