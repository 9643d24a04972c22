//! Exercise 15, the fleet's lease: answers that look right and are not. Each file is a
//! whole answer: the solution's, but for the part its first line names and what that
//! choice brings with it (a holder id of its own, where the token is no longer one).

pub mod acquire_without_px;
pub mod fence_checked_then_set;
pub mod holder_is_the_process_id;
pub mod lease_in_whole_seconds;
pub mod lost_lease_abandons_work;
pub mod no_fencing;
pub mod no_renewal;
pub mod release_checked_then_deleted;
pub mod release_with_plain_del;
pub mod renew_by_setting_again;
pub mod renew_error_ends_hold_while;
pub mod renew_with_plain_pexpire;
pub mod renewal_task_outlives_a_drop;
pub mod result_ttl_is_the_lease_ttl;
pub mod skip_write_when_renewal_failed;
pub mod token_compared_as_strings;
pub mod token_expires_with_the_lease;
pub mod token_on_the_lease_key;
pub mod token_taken_after_the_lease;
pub mod work_spawned_on_a_task;
pub mod write_fenced_in_whole_seconds;
