//! Exercise 03, `run_in_task`: answers that look right and are not.

pub mod abort_after_the_await;
pub mod no_spawn;
pub mod panic_resumed;
pub mod plain_spawn;
