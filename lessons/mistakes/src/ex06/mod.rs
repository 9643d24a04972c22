//! Exercise 06, the bounded pool and its upstream client: answers that look right and
//! are not. Where a mistake is in one half (the pool, or the client), the other half
//! is the reference solution's.

pub mod connect_timeout_only;
pub mod lock_held_while_working;
pub mod never_stops;
pub mod panics_after_shutdown;
pub mod read_timeout_only;
pub mod spins_when_dropped;
