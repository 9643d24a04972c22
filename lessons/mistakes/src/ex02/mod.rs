//! Exercise 02, `fetch_all_within`: answers that look right and are not.

pub mod aborts_on_its_own_timeout;
pub mod checks_the_clock_afterwards;
pub mod spawned_then_timed_out;
pub mod timeout_per_call;
