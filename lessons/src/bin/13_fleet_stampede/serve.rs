//! Lesson 13 under `--serve`: the fleet kept up for curl and a load tool.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use lessons::kit::{Flags, Narrator, RedisServer, Serve};

use super::fleet::{Fleet, FleetLog};
use super::replica::{self, Database};
use super::{QUERY_MS, REPLICAS};

/// Under `--serve`: the three replicas on one port (`/a/value/config`, `/b/…`, `/c/…`)
/// on a Redis of their own, with every query narrated and values good for 2 s, so that
/// a load tool sees one query per expiry for the whole fleet.
pub async fn serve_fleet(flags: &Flags, narrator: &Narrator) -> Result<Serve> {
    let redis = RedisServer::start().await?;
    let db = Database::narrated(flags.ms(QUERY_MS), narrator);
    let log = Arc::new(FleetLog::default());
    // Keys of this run's own, in case REDIS_URL names a Redis that others use too.
    let prefix = format!("serve-{:08x}", rand::random::<u32>());
    let mut router = axum::Router::new();
    for name in REPLICAS {
        let fleet = Fleet::connect(name, redis.client()?, &prefix, SERVE_TTL, log.clone()).await?;
        let replica = replica::service(db.for_replica(name), Some(fleet), SERVE_TTL);
        router = router.nest(&format!("/{name}"), replica);
    }
    Ok(Serve {
        router,
        routes: vec!["/a/value/config", "/b/value/config", "/c/value/config"],
        // Redis lives as long as the server, and is stopped with it.
        on_shutdown: Some(Box::new(move || {
            Box::pin(async move {
                drop(redis);
                "redis stopped".to_owned()
            })
        })),
    })
}

/// How long a value stays good under `--serve`.
const SERVE_TTL: Duration = Duration::from_secs(2);
