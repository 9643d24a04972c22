//! Wrong: a renewal that fails with a Redis error (a blip, a timeout) ends hold_while with that error: the work is dropped half-done, its value lost, and the lease left to expire, when Redis was only away for a moment.

use std::future::Future;
use std::pin::pin;
use std::sync::LazyLock;
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{RedisResult, Script};
use tokio::time::{Instant, MissedTickBehavior, interval_at};

/// What [`hold_while`] did: the work's value, and whether it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// What the work returned.
    pub value: String,
    /// Whether the fence let it be written (see [`Lease::write_fenced`]).
    pub written: bool,
}

// ANCHOR: solution
/// A lease on a key: while it is held, nobody else gets one for that key.
#[derive(Debug)]
pub struct Lease {
    /// The Redis key of the lease itself, expiring with it.
    lease_key: String,
    /// The Redis key of the counter that hands out tokens: it never expires.
    fence_key: String,
    /// This lease's fencing token, also the lease key's value while we hold it.
    token: u64,
    /// How long the lease lasts from its last renewal.
    ttl: Duration,
}

/// Takes the lease if the key is free, and hands out the next token with it.
static ACQUIRE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        if redis.call('EXISTS', KEYS[1]) == 1 then return false end
        local token = redis.call('INCR', KEYS[2])
        redis.call('SET', KEYS[1], token, 'PX', ARGV[1])
        return token
        ",
    )
});

/// Extends the lease, only if it is still ours.
static RENEW: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
        return redis.call('PEXPIRE', KEYS[1], ARGV[2])
        ",
    )
});

/// Deletes the lease, only if it is still ours.
static RELEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
        return redis.call('DEL', KEYS[1])
        ",
    )
});

/// Writes the result, only if no token was handed out after ours.
static WRITE_FENCED: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
        redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
        return 1
        ",
    )
});

/// Takes the lease on `key` for `ttl`, or `None` if someone holds it.
pub async fn acquire(
    redis: &mut MultiplexedConnection,
    key: &str,
    ttl: Duration,
) -> RedisResult<Option<Lease>> {
    let lease_key = format!("lease:{key}");
    let fence_key = format!("fence:{key}");
    let token: Option<u64> = ACQUIRE
        .key(&lease_key)
        .key(&fence_key)
        .arg(millis(ttl))
        .invoke_async(redis)
        .await?;
    Ok(token.map(|token| Lease {
        lease_key,
        fence_key,
        token,
        ttl,
    }))
}

impl Lease {
    /// This lease's fencing token.
    pub fn token(&self) -> u64 {
        self.token
    }

    /// Extends the lease to its TTL from now; `false` if it is no longer ours.
    pub async fn renew(&self, redis: &mut MultiplexedConnection) -> RedisResult<bool> {
        RENEW
            .key(&self.lease_key)
            .arg(self.token)
            .arg(millis(self.ttl))
            .invoke_async(redis)
            .await
    }

    /// Gives the lease up; `false`, and nothing deleted, if it is no longer ours.
    pub async fn release(self, redis: &mut MultiplexedConnection) -> RedisResult<bool> {
        RELEASE
            .key(&self.lease_key)
            .arg(self.token)
            .invoke_async(redis)
            .await
    }

    /// Writes `value` at `result_key` for `ttl`, unless a newer lease has been handed
    /// out; `false`, and nothing written, if one has.
    pub async fn write_fenced(
        &self,
        redis: &mut MultiplexedConnection,
        result_key: &str,
        value: &str,
        ttl: Duration,
    ) -> RedisResult<bool> {
        WRITE_FENCED
            .key(&self.fence_key)
            .key(result_key)
            .arg(self.token)
            .arg(value)
            .arg(millis(ttl))
            .invoke_async(redis)
            .await
    }
}

/// Runs `work` while holding `lease`, renewing it every third of its TTL; then writes
/// the work's value, fenced, and releases the lease.
pub async fn hold_while<F>(
    redis: &mut MultiplexedConnection,
    lease: Lease,
    result_key: &str,
    result_ttl: Duration,
    work: F,
) -> RedisResult<Finished>
where
    F: Future<Output = String>,
{
    // A third of the TTL: two renewals can go astray before the lease runs out.
    let period = (lease.ttl / 3).max(Duration::from_millis(1));
    let mut renewals = interval_at(Instant::now() + period, period);
    renewals.set_missed_tick_behavior(MissedTickBehavior::Delay);
    // The renewals live in this future, not in a task: when the work ends, or when our
    // caller drops us, they end with it.
    let mut work = pin!(work);
    let mut held = true;
    let value = loop {
        tokio::select! {
            // The work first: once it is done, not one more renewal.
            biased;
            value = &mut work => break value,
            _ = renewals.tick(), if held => {
                held = lease.renew(redis).await?;
            }
        }
    };
    let written = lease
        .write_fenced(redis, result_key, &value, result_ttl)
        .await?;
    lease.release(redis).await?;
    Ok(Finished { value, written })
}
// ANCHOR_END: solution

/// A duration as Redis's milliseconds (PX, PEXPIRE), saturating.
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
