//! Solution to exercise 04: pollers in a cancellation tree.

use lessons::kit::SlowBackend;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

// ANCHOR: solution
/// Starts one poller per key, each stoppable by its own token, all by `shutdown`.
pub fn start_pollers(
    db: &SlowBackend,
    keys: &[&str],
    shutdown: &CancellationToken,
    tracker: &TaskTracker,
) -> Vec<CancellationToken> {
    keys.iter()
        .map(|key| {
            // A child: cancelled with `shutdown`, but cancelling it leaves `shutdown` be.
            let stop = shutdown.child_token();
            let (db, key, poller_stop) = (db.clone(), key.to_string(), stop.clone());
            tracker.spawn(async move {
                // `run_until_cancelled` races the call against the token: a
                // cancellation drops the call at once instead of waiting for it.
                while poller_stop
                    .run_until_cancelled(db.call(&key))
                    .await
                    .is_some()
                {}
            });
            stop
        })
        .collect()
}
// ANCHOR_END: solution
