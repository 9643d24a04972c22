//! Exercise 14, `relay`: answers that look right and are not.

pub mod body_read_exact_in_select;
pub mod finishes_the_frame_before_stopping;
pub mod finishes_the_frame_outside_select;
pub mod forwards_the_rest_at_the_end;
pub mod heartbeat_send_ignores_stop;
pub mod heartbeats_from_a_task;
pub mod ignores_a_closed_channel;
pub mod one_frame_per_read;
pub mod read_exact_in_select;
pub mod send_ignores_stop;
pub mod timer_restarts_on_every_read;
