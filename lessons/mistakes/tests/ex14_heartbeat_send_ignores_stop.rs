//! Exercise 14's grader against the mistake `ex14::heartbeat_send_ignores_stop`: this must fail.

use mistakes::ex14::heartbeat_send_ignores_stop as subject;

#[path = "../../exercises/graders/ex14_cancel_safe_loop.rs"]
mod grader;
