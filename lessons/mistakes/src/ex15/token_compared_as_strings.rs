//! Wrong: the fence refuses a write only when the counter is greater than the token, and compares them as Lua strings, character by character, where "10" comes before "9": so from token 10 on, a holder paused past its TTL with token 9 writes its stale value over the newer holder's.

use std::future::Future;
use std::pin::pin;
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{RedisResult, Script};
use tokio::time::{Instant, MissedTickBehavior, interval_at};

pub use solutions::ex15_fleet_lease::Finished;

pub struct Lease {
    lease_key: String,
    fence_key: String,
    token: u64,
    ttl: Duration,
}

pub async fn acquire(
    redis: &mut MultiplexedConnection,
    key: &str,
    ttl: Duration,
) -> RedisResult<Option<Lease>> {
    let lease_key = format!("lease:{key}");
    let fence_key = format!("fence:{key}");
    let token: Option<u64> = Script::new(
        r"
        if redis.call('EXISTS', KEYS[1]) == 1 then return false end
        local token = redis.call('INCR', KEYS[2])
        redis.call('SET', KEYS[1], token, 'PX', ARGV[1])
        return token
        ",
    )
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
    pub fn token(&self) -> u64 {
        self.token
    }

    pub async fn renew(&self, redis: &mut MultiplexedConnection) -> RedisResult<bool> {
        Script::new(
            r"
            if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
            return redis.call('PEXPIRE', KEYS[1], ARGV[2])
            ",
        )
        .key(&self.lease_key)
        .arg(self.token)
        .arg(millis(self.ttl))
        .invoke_async(redis)
        .await
    }

    pub async fn release(self, redis: &mut MultiplexedConnection) -> RedisResult<bool> {
        Script::new(
            r"
            if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
            return redis.call('DEL', KEYS[1])
            ",
        )
        .key(&self.lease_key)
        .arg(self.token)
        .invoke_async(redis)
        .await
    }

    pub async fn write_fenced(
        &self,
        redis: &mut MultiplexedConnection,
        result_key: &str,
        value: &str,
        ttl: Duration,
    ) -> RedisResult<bool> {
        // Refused only if the counter has gone past our token: a newer lease exists.
        Script::new(
            r"
            if redis.call('GET', KEYS[1]) > ARGV[1] then return 0 end
            redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
            return 1
            ",
        )
        .key(&self.fence_key)
        .key(result_key)
        .arg(self.token)
        .arg(value)
        .arg(millis(ttl))
        .invoke_async(redis)
        .await
    }
}

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
    let period = (lease.ttl / 3).max(Duration::from_millis(1));
    let mut renewals = interval_at(Instant::now() + period, period);
    renewals.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut work = pin!(work);
    let mut held = true;
    let value = loop {
        tokio::select! {
            biased;
            value = &mut work => break value,
            _ = renewals.tick(), if held => {
                held = !matches!(lease.renew(redis).await, Ok(false));
            }
        }
    };
    let written = lease
        .write_fenced(redis, result_key, &value, result_ttl)
        .await?;
    lease.release(redis).await?;
    Ok(Finished { value, written })
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
