//! Exercise 14's grader against the mistake `ex14::forwards_the_rest_at_the_end`: this must fail.

use mistakes::ex14::forwards_the_rest_at_the_end as subject;

#[path = "../../exercises/graders/ex14_cancel_safe_loop.rs"]
mod grader;
