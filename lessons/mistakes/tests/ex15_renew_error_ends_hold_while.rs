//! Exercise 15's grader against the mistake `ex15::renew_error_ends_hold_while`: this must fail.

use mistakes::ex15::renew_error_ends_hold_while as subject;

#[path = "../../exercises/graders/ex15_fleet_lease.rs"]
mod grader;
