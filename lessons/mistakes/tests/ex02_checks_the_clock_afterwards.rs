//! Exercise 02's grader against the mistake `ex02::checks_the_clock_afterwards`: this must fail.

use mistakes::ex02::checks_the_clock_afterwards as subject;

#[path = "../../exercises/graders/ex02_deadline.rs"]
mod grader;
