//! Exercise 04, `start_pollers`: answers that look right and are not.

pub mod checks_between_calls;
pub mod shared_token;
pub mod spins_after_cancel;
pub mod tokens_out_of_order;
pub mod unrelated_tokens;
pub mod untracked;
