//! Filling a key once for the whole fleet: look in Redis, else take the lease and
//! query, else wait for the holder's value (woken by pub/sub, with polling in case the
//! message is lost) and take over if its lease lapses. When Redis fails, a replica
//! queries by itself: its own singleflight still holds it to one query.

use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::StreamExt;
use redis::aio::MultiplexedConnection;
use redis::{AsyncCommands, AsyncConnectionConfig, RedisError, RedisResult};
use tokio::time::Instant;

use super::lease::{Keys, Lease};
use super::replica::Database;

// ANCHOR: timings
/// A lease lasts this long unless renewed: the longest a dead holder blocks the key.
pub const LEASE_TTL: Duration = Duration::from_millis(300);
/// The holder renews it this often while its query runs: three times per TTL, so
/// that one late renewal does not lose it.
const RENEW_EVERY: Duration = Duration::from_millis(100);
/// A waiter looks again this often, whatever pub/sub says: a lost message costs at
/// most this long, and a lapsed lease is noticed within it.
const POLL_EVERY: Duration = Duration::from_millis(50);
/// A waiter stops waiting for the fleet after this long and queries by itself.
const WAIT_AT_MOST: Duration = Duration::from_secs(2);
/// Every call to Redis answers within this, or counts as Redis being down.
pub const REDIS_PATIENCE: Duration = Duration::from_millis(250);
/// A value in Redis, like one in a replica's cache, is good for this long.
pub const VALUE_TTL: Duration = Duration::from_secs(30);
// ANCHOR_END: timings

/// What the fleet did, counted across replicas, for the lesson's figures. In a real
/// service these would be metrics.
#[derive(Default)]
pub struct FleetLog {
    /// Leases taken, by a first caller or in a takeover.
    pub leases: AtomicUsize,
    /// When the last takeover (a lease taken by a replica that had been waiting for
    /// another's) happened.
    pub took_over_at: Mutex<Option<Instant>>,
    /// Replicas that began waiting for another's lease (subscribed to its value).
    pub waiting: AtomicUsize,
    /// Fills that gave up on Redis and queried by themselves, and when the last did.
    pub fallbacks: AtomicUsize,
    pub fell_back_at: Mutex<Option<Instant>>,
}

impl FleetLog {
    fn stamp(slot: &Mutex<Option<Instant>>) {
        *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
    }

    pub fn took_over_at(&self) -> Option<Instant> {
        *self
            .took_over_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    pub fn fell_back_at(&self) -> Option<Instant> {
        *self
            .fell_back_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// One replica's way into the fleet's Redis.
#[derive(Clone)]
pub struct Fleet {
    /// The replica's name, part of every lease id it takes.
    pub replica: String,
    /// Commands; each answers within [`REDIS_PATIENCE`] or fails.
    pub redis: MultiplexedConnection,
    /// For pub/sub, which takes a connection of its own.
    pub client: redis::Client,
    /// Which scene's keys.
    pub prefix: String,
    /// How long a value written for the fleet stays good.
    pub value_ttl: Duration,
    pub log: Arc<FleetLog>,
}

impl Fleet {
    /// Connects replica `replica` to the Redis of `client`: one multiplexed connection,
    /// every command on it bounded by [`REDIS_PATIENCE`]. Call it on the replica's
    /// runtime: the connection's task runs where it was made, and dies with it.
    pub async fn connect(
        replica: &str,
        client: redis::Client,
        prefix: &str,
        value_ttl: Duration,
        log: Arc<FleetLog>,
    ) -> RedisResult<Fleet> {
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(REDIS_PATIENCE))
            .set_response_timeout(Some(REDIS_PATIENCE));
        let redis = client
            .get_multiplexed_async_connection_with_config(&config)
            .await?;
        Ok(Fleet {
            replica: replica.to_owned(),
            redis,
            client,
            prefix: prefix.to_owned(),
            value_ttl,
            log,
        })
    }
}

// ANCHOR: fill
impl Fleet {
    /// The value for `key`, filled once for the whole fleet while Redis answers, and
    /// by this replica alone when it does not. Runs inside the replica's singleflight
    /// flight: at most one fill per key per replica at a time.
    pub async fn fill(&self, key: &str, db: &Database) -> String {
        match self.fill_through_redis(key, db).await {
            Ok(value) => value,
            Err(error) => {
                // Redis is down, or slower than we wait for: the fleet cannot
                // coalesce, the replica still can. The request does not fail.
                tracing::warn!(%error, "redis unavailable, filling {key} locally");
                self.log.fallbacks.fetch_add(1, Ordering::SeqCst);
                FleetLog::stamp(&self.log.fell_back_at);
                db.query(key).await
            }
        }
    }

    async fn fill_through_redis(&self, key: &str, db: &Database) -> RedisResult<String> {
        let keys = Keys::new(&self.prefix, key);
        let mut redis = self.redis.clone();
        let give_up_at = Instant::now() + WAIT_AT_MOST;
        let mut waiting = None;
        loop {
            // The value first, every time: a waiter woken by the holder's message
            // must take the value, not the lease the holder has just given back.
            if let Some(value) = redis.get::<_, Option<String>>(&keys.value).await? {
                return Ok(value);
            }
            if let Some(lease) = Lease::acquire(&mut redis, &keys, &self.replica, LEASE_TTL).await?
            {
                // Filled between our look and our lease? Then there is nothing to do.
                if let Some(value) = redis.get::<_, Option<String>>(&keys.value).await? {
                    // The value is in hand: a failed release only leaves the lease
                    // to expire.
                    let _ = lease.release(&mut redis).await;
                    return Ok(value);
                }
                self.log.leases.fetch_add(1, Ordering::SeqCst);
                if waiting.is_some() {
                    FleetLog::stamp(&self.log.took_over_at);
                }
                return self.lead(lease, key, db).await;
            }
            // Someone else holds the lease. Subscribe, then look again before
            // waiting, so that a value announced in between is not missed.
            if waiting.is_none() {
                waiting = Some(self.subscribe(&keys).await?);
                self.log.waiting.fetch_add(1, Ordering::SeqCst);
                continue;
            }
            if Instant::now() >= give_up_at {
                return Err(gave_up(key));
            }
            let messages = waiting.as_mut().expect("subscribed above");
            tokio::select! {
                message = messages.next() => {
                    // The subscription's connection is gone, and Redis with it most
                    // likely: the fill gives up on the fleet now.
                    if message.is_none() {
                        return Err(connection_lost());
                    }
                }
                _ = tokio::time::sleep(POLL_EVERY) => {}
            }
        }
    }
    // ANCHOR_END: fill

    // ANCHOR: lead
    /// Queries for the fleet while renewing the lease, then writes the value (fenced)
    /// and gives the lease back. The value is this request's answer whatever Redis
    /// says: a failed write or release costs the fleet a query later, not an error now.
    async fn lead(&self, lease: Lease, key: &str, db: &Database) -> RedisResult<String> {
        let mut redis = self.redis.clone();
        let mut query = pin!(db.query(key));
        let mut renew = tokio::time::interval_at(Instant::now() + RENEW_EVERY, RENEW_EVERY);
        // After a slow renewal, the next one waits its full period: no burst of them.
        renew.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // The renewals are part of this future, not a task of their own: when the
        // query ends, or the replica dies, they end with it. The query is looked at
        // first, so that a finished query is never kept waiting for a renewal.
        let value = loop {
            tokio::select! {
                biased;
                value = &mut query => break value,
                _ = renew.tick() => {
                    if !matches!(lease.renew(&mut redis).await, Ok(true)) {
                        tracing::warn!("lost the lease on {key} while querying");
                    }
                }
            }
        };
        // Refused by the fence (a newer lease exists) or failed: the newer holder,
        // or the next fill, writes it.
        if let Err(error) = lease.write(&mut redis, &value, self.value_ttl).await {
            tracing::warn!(%error, "could not write {key} for the fleet");
        }
        let _ = lease.release(&mut redis).await;
        Ok(value)
    }
    // ANCHOR_END: lead

    /// A subscription to the channel on which the value for `keys` is announced.
    async fn subscribe(
        &self,
        keys: &Keys,
    ) -> RedisResult<impl futures::Stream<Item = redis::Msg> + Unpin + use<>> {
        let connect = async {
            let mut pubsub = self.client.get_async_pubsub().await?;
            pubsub.subscribe(&keys.filled).await?;
            Ok::<_, RedisError>(pubsub.into_on_message())
        };
        tokio::time::timeout(REDIS_PATIENCE, connect)
            .await
            .unwrap_or_else(|_| Err(timed_out("subscribing")))
    }
}

fn gave_up(key: &str) -> RedisError {
    RedisError::from((
        redis::ErrorKind::Io,
        "no value from the fleet in time",
        key.to_owned(),
    ))
}

fn connection_lost() -> RedisError {
    RedisError::from(std::io::Error::from(std::io::ErrorKind::ConnectionReset))
}

fn timed_out(what: &str) -> RedisError {
    RedisError::from((redis::ErrorKind::Io, "timed out", what.to_owned()))
}
