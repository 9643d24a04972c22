//! Wrong: the pollers are spawned with `tokio::spawn`: they stop when told, but the service has nothing to wait on, so it exits while pollers are still mid-call.

use lessons::kit::SlowBackend;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub fn start_pollers(
    db: &SlowBackend,
    keys: &[&str],
    shutdown: &CancellationToken,
    _tracker: &TaskTracker,
) -> Vec<CancellationToken> {
    keys.iter()
        .map(|key| {
            let stop = shutdown.child_token();
            let (db, key, poller_stop) = (db.clone(), key.to_string(), stop.clone());
            tokio::spawn(async move {
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
