//! Exercise 08, the singleflight group: answers that look right and are not. Each is
//! one design (a map of flights, each flown on a task of its own, callers woken by a
//! `Notify`) with one thing wrong in it.

pub mod check_then_insert;
pub mod leader_runs_the_work;
pub mod lost_wake_up;
pub mod panic_not_caught;
pub mod reruns_after_a_panic;
pub mod stale_flight_removes_the_new_one;
