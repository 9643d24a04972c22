//! Wrong: the token is checked only between calls: every poller stops, but only once its call in progress has ended, up to a whole call late.

use lessons::kit::SlowBackend;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub fn start_pollers(
    db: &SlowBackend,
    keys: &[&str],
    shutdown: &CancellationToken,
    tracker: &TaskTracker,
) -> Vec<CancellationToken> {
    keys.iter()
        .map(|key| {
            let stop = shutdown.child_token();
            let (db, key, poller_stop) = (db.clone(), key.to_string(), stop.clone());
            tracker.spawn(async move {
                while !poller_stop.is_cancelled() {
                    db.call(&key).await;
                }
            });
            stop
        })
        .collect()
}
