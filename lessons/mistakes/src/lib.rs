//! Plausible wrong answers to the exercises: the graders must reject every one.
//!
//! A grader that only fails on `todo!()` proves little: learners hand in answers
//! that are half right. Each file here is one such answer, a complete one a learner
//! could have written, and opens with a line saying what is wrong with it and what
//! that does to users. Each has a test target (`tests/exNN_name.rs`) that runs the
//! exercise's real grader against it; every one of them must fail: CI checks that
//! with `cargo grade --expect-caught`. Not a default member, so the maintainer suite
//! stays green. Where a mistake is in one part of an exercise, the other parts are
//! the reference solution's.
//!
//! The classes of half-right answers they cover (each grader's module comment says
//! which apply to its exercise, and which test catches each): right on one thread,
//! racy on many; right when it returns, leaky when its caller drops it; right on the
//! demo's sizes, wrong beyond them; right until shutdown, wrong after it; right against
//! a silent peer, wrong against a slow one; right behaviour, wrong contract; right
//! eventually, wrong now.

pub mod ex01;
pub mod ex02;
pub mod ex03;
pub mod ex04;
pub mod ex05;
pub mod ex06;
pub mod ex07;
pub mod ex08;
pub mod ex09;
pub mod ex10;
pub mod ex11;
pub mod ex12;
pub mod ex13;
pub mod ex14;
pub mod ex15;
