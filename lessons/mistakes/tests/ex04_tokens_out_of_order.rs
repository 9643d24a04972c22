//! Exercise 04's grader against the mistake `ex04::tokens_out_of_order`: this must fail.

use mistakes::ex04::tokens_out_of_order as subject;

#[path = "../../exercises/graders/ex04_pollers.rs"]
mod grader;
