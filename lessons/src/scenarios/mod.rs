//! Scenarios staged by more than one lesson: the broken lesson and its fixed twin
//! face exactly the same backends and timings, so their figures compare.

pub mod logging;
pub mod timeouts;
pub mod workers;

/// The four things the articles' fan-out handler asks its backends for.
pub const KEYS: [&str; 4] = ["foo", "bar", "baz", "qux"];
