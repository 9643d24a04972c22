//! The lessons' kit. Small, boring and tested: every lesson uses it, none copies it.

mod aftermath;
mod backend;
mod burst;
mod connections;
mod door;
mod dump;
mod flags;
pub mod grading;
mod heap;
mod in_flight;
mod latencies;
mod lesson;
mod narrate;
mod paused;
mod redis_server;
mod registry;
mod report;
mod server;
mod tasks;
pub mod trace;
mod wait;

pub use aftermath::{Aftermath, watch_request};
pub use backend::{CallStats, Latency, SlowBackend};
pub use burst::{BURST_CONCURRENCY, Burst, burst, impatient_burst};
pub use door::{DOOR_PATIENCE, Door, through};
pub use dump::{DUMP_BUILD, TaskDump, task_dump};
pub use flags::Flags;
pub use heap::heap_bytes;
pub use in_flight::{InFlight, InFlightGuard};
pub use latencies::Latencies;
pub use lesson::{OnShutdown, STATS_ROUTE, Serve, run_lesson};
pub use narrate::Narrator;
pub use paused::on_paused_clock;
pub use redis_server::{REDIS_INSTALL_HINT, RedisMissing, RedisServer};
pub use registry::{TaskGroup, TaskRegistry, TaskSnapshot};
pub use report::Report;
pub use server::TestServer;
pub use tasks::TaskGauge;
pub use wait::wait_until;

/// Milliseconds as a [`std::time::Duration`]: lessons speak in milliseconds.
pub const fn ms(millis: u64) -> std::time::Duration {
    std::time::Duration::from_millis(millis)
}
