//! Solution to exercise 08: the course's own singleflight group, the one lessons 09 to
//! 11 run on. Its source, with the reasoning at each step, is
//! `lessons/src/singleflight/group.rs`.

pub use lessons::singleflight::{FlightError, Group, Outcome};
