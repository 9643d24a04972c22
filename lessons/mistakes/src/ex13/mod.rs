//! Exercise 13, `no_task_outlives`: answers that look right and are not. Each file
//! writes its own check; the `Leak` it reports is the exercise's.

pub mod baseline_after_start;
pub mod count_only;
pub mod no_grace;
pub mod registry_only;
pub mod runtime_dropped;
pub mod server_handle_dropped;
pub mod shared_runtime;
pub mod unbounded_shutdown;
pub mod waits_for_the_tracker;
