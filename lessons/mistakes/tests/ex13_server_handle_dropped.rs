//! Exercise 13's grader against the mistake `ex13::server_handle_dropped`: this must fail.

use mistakes::ex13::server_handle_dropped as subject;

#[path = "../../exercises/graders/ex13_leak_test.rs"]
mod grader;
