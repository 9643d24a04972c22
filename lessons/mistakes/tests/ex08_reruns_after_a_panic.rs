//! Exercise 08's grader against the mistake `ex08::reruns_after_a_panic`: this must fail.

use mistakes::ex08::reruns_after_a_panic as subject;

#[path = "../../exercises/graders/ex08_singleflight.rs"]
mod grader;
