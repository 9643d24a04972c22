//! Exercise 10, `all_or_first_error`: answers that look right and are not.

pub mod aborted_only_on_error;
pub mod aborts_without_waiting;
pub mod as_many_as_the_cores;
pub mod completion_order;
pub mod errors_in_the_order_given;
pub mod handles_awaited_in_order;
pub mod join_all_then_first_error;
pub mod no_spawn;
pub mod others_left_running;
pub mod panic_ends_the_loop;
pub mod panics_with_the_join_error;
