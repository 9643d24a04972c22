//! Wrong: the tokens come back in another order than the keys: cancelling the "mail" poller stops a different one.

use lessons::kit::SlowBackend;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub fn start_pollers(
    db: &SlowBackend,
    keys: &[&str],
    shutdown: &CancellationToken,
    tracker: &TaskTracker,
) -> Vec<CancellationToken> {
    let mut tokens = Vec::new();
    // Started from the last key to the first, and the tokens pushed as they come.
    for key in keys.iter().rev() {
        let stop = shutdown.child_token();
        let (db, key, poller_stop) = (db.clone(), key.to_string(), stop.clone());
        tracker.spawn(async move {
            while poller_stop
                .run_until_cancelled(db.call(&key))
                .await
                .is_some()
            {}
        });
        tokens.push(stop);
    }
    tokens
}
