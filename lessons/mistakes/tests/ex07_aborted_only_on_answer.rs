//! Exercise 07's grader against the mistake `ex07::aborted_only_on_answer`: this must fail.

use mistakes::ex07::aborted_only_on_answer as subject;

#[path = "../../exercises/graders/ex07_planted_leak.rs"]
mod grader;
