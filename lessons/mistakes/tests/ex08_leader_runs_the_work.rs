//! Exercise 08's grader against the mistake `ex08::leader_runs_the_work`: this must fail.

use mistakes::ex08::leader_runs_the_work as subject;

#[path = "../../exercises/graders/ex08_singleflight.rs"]
mod grader;
