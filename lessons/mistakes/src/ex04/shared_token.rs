//! Wrong: every poller is given a clone of `shutdown` itself: stopping one poller cancels `shutdown`, and the whole service stops with it.

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
            let stop = shutdown.clone();
            let (db, key, poller_stop) = (db.clone(), key.to_string(), stop.clone());
            tracker.spawn(async move {
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
