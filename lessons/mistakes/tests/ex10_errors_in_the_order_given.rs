//! Exercise 10's grader against the mistake `ex10::errors_in_the_order_given`: this must fail.

use mistakes::ex10::errors_in_the_order_given as subject;

#[path = "../../exercises/graders/ex10_fail_fast.rs"]
mod grader;
