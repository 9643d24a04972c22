//! Wrong: a fresh root token per poller, each poller also watching `shutdown`: the pollers stop, but the tokens handed out are not part of the service's tree, so whoever holds one never learns the service stopped.

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
            let stop = CancellationToken::new();
            let (db, key, poller_stop, shutdown) =
                (db.clone(), key.to_string(), stop.clone(), shutdown.clone());
            tracker.spawn(async move {
                loop {
                    tokio::select! {
                        () = poller_stop.cancelled() => break,
                        () = shutdown.cancelled() => break,
                        _ = db.call(&key) => {}
                    }
                }
            });
            stop
        })
        .collect()
}
