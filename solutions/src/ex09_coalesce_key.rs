//! Solution to exercise 09: the rules lesson 10's middleware runs on. Their source,
//! with the reasoning, is `lessons/src/singleflight/coalesce.rs`.

pub use lessons::singleflight::coalesce::{CoalesceKey, coalescing_key, replay_headers};
