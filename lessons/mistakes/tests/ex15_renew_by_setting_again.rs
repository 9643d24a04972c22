//! Exercise 15's grader against the mistake `ex15::renew_by_setting_again`: this must fail.

use mistakes::ex15::renew_by_setting_again as subject;

#[path = "../../exercises/graders/ex15_fleet_lease.rs"]
mod grader;
