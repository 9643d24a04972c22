//! Exercise 15's grader against the mistake `ex15::renew_with_plain_pexpire`: this must fail.

use mistakes::ex15::renew_with_plain_pexpire as subject;

#[path = "../../exercises/graders/ex15_fleet_lease.rs"]
mod grader;
