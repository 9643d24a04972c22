//! Exercise 12's grader against the mistake `ex12::forgets_the_background`: this must fail.

use mistakes::ex12::forgets_the_background as subject;

#[path = "../../exercises/graders/ex12_graceful_shutdown.rs"]
mod grader;
