//! Exercise 01, `fetch_all`: answers that look right and are not.

pub mod completion_order;
pub mod four_at_a_time;
pub mod placed_by_key;
pub mod sequential;
pub mod spawned_handles_in_order;
