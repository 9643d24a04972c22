//! Exercise 15's grader against the mistake `ex15::skip_write_when_renewal_failed`: this must fail.

use mistakes::ex15::skip_write_when_renewal_failed as subject;

#[path = "../../exercises/graders/ex15_fleet_lease.rs"]
mod grader;
