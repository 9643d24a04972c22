//! Reference solutions to the exercises, one file each.
//!
//! Each is graded by the same grader as the learner's file (`tests/` here includes
//! the graders from `lessons/exercises/graders/`), so `cargo test` at the root proves
//! that every grader passes on a right answer.

pub mod ex01_fan_out;
pub mod ex02_deadline;
pub mod ex03_cancel_spawned;
pub mod ex04_pollers;
pub mod ex05_safe_logger;
pub mod ex06_bounded_pool;
pub mod ex07_planted_leak;
pub mod ex08_singleflight;
pub mod ex09_coalesce_key;
pub mod ex10_fail_fast;
pub mod ex11_blocking_deadline;
pub mod ex12_graceful_shutdown;
pub mod ex13_leak_test;
pub mod ex14_cancel_safe_loop;
pub mod ex15_fleet_lease;
