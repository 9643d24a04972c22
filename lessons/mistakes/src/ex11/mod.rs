//! Exercise 11, `run_steps_within`: answers that look right and are not.

pub mod aborts_the_blocking_task;
pub mod block_in_place;
pub mod checks_its_own_deadline;
pub mod expects_the_join_error;
pub mod flag_set_on_timeout_only;
pub mod panic_reported_as_timeout;
pub mod runs_on_after_a_panic;
pub mod spawned_then_timed_out;
pub mod steps_on_the_async_worker;
pub mod waits_for_the_step_under_way;
pub mod yields_between_steps;
