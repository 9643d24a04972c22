//! Exercise 12, the shutdown sequence: answers that look right and are not. Each is a
//! whole `serve_until_stopped`, with the reference solution's `Shutdown`.

pub mod background_waited_before_the_drain;
pub mod background_waited_for_ever;
pub mod deadline_from_the_start;
pub mod drains_for_ever;
pub mod exits_at_once;
pub mod forgets_the_background;
pub mod keeps_accepting;
pub mod polls_the_ended_server;
pub mod returns_at_the_deadline;
pub mod timeout_per_request;
pub mod tracker_never_closed;
