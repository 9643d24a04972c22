//! Wrong: a `select!` whose cancel arm does not leave the loop: once cancelled, `cancelled()` is ready at every turn and the poller spins for ever, holding a thread at 100 %.

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
                loop {
                    tokio::select! {
                        () = poller_stop.cancelled() => {}
                        _ = db.call(&key) => {}
                    }
                }
            });
            stop
        })
        .collect()
}
