//! Scenarios staged by more than one lesson: the broken lesson and its fixed twin
//! face exactly the same backends and timings, so their figures compare.

pub mod timeouts;
