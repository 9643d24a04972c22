//! Coalescing identical requests in front of a service: singleflight as a tower layer
//! (lesson 10), usable in any tower or hyper stack, axum's included.
//!
//! Concurrent requests that would get the same answer share one run of the service,
//! and every caller gets a replay of its response: status, headers, body. "Would get
//! the same answer" is the whole difficulty, and each rule has its own file:
//!
//! * [`key`](coalescing_key): only GET and HEAD; the key holds the target as sent
//!   (authority included), every line of every credential header and the content
//!   negotiation; range, conditional and `no-cache` requests are never coalesced;
//! * [`share`](may_share): a response that sets a cookie, is private, must not be
//!   stored, or varies on a header outside the key is never replayed: it reaches the
//!   caller whose request made it, and every other caller runs its own;
//! * [`layer`](CoalesceLayer): bodies are buffered only when their length is known and
//!   within a cap, so streams pass through; a body that breaks off is an error for
//!   every caller (never a stampede of re-runs); a panic is a 500 for every caller; a
//!   flight has a deadline.

mod key;
mod layer;
mod share;

pub use key::{CoalesceKey, KEY_HEADERS, PASS_THROUGH_HEADERS, coalescing_key};
pub use layer::{Coalesce, CoalesceBody, CoalesceLayer};
pub use share::may_share;

#[cfg(test)]
mod tests;
