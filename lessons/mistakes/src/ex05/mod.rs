//! Exercise 05, the safe logger: answers that look right and are not.

pub mod drains_without_closing;
pub mod no_flush;
pub mod outlives_its_logger;
pub mod racy_drop_count;
pub mod unbounded;
pub mod writes_concurrently;
