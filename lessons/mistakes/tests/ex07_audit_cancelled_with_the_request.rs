//! Exercise 07's grader against the mistake `ex07::audit_cancelled_with_the_request`: this must fail.

use mistakes::ex07::audit_cancelled_with_the_request as subject;

#[path = "../../exercises/graders/ex07_planted_leak.rs"]
mod grader;
