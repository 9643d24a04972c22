//! Solution to exercise 09: the two rules lesson 10's layer runs on. Their source,
//! with the reasoning, is `lessons/src/singleflight/coalesce/key.rs` and `share.rs`.

pub use lessons::singleflight::coalesce::{CoalesceKey, coalescing_key, may_share};
