//! The lease in Redis: which replica fills a key for the whole fleet, for how long,
//! and the fencing token that keeps a holder who woke up too late from writing.
//!
//! Every step that reads and then writes runs as one Lua script, so that Redis does it
//! in one go: between a holder's "is it still mine?" and its "then delete it", no other
//! client's command can run.

use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{RedisResult, Script};

/// The Redis keys one cached key uses. A lesson's scenes each use a prefix of their own,
/// so that one scene's leases and values never meet the next one's.
#[derive(Clone)]
pub struct Keys {
    /// The lease: whoever holds it fills the value. Expires on its own.
    pub lease: String,
    /// The fencing counter: one more per lease handed out. Never expires, so that a
    /// token is never handed out twice, even after every lease has expired.
    pub fence: String,
    /// The value, shared by the fleet, with its own TTL.
    pub value: String,
    /// The pub/sub channel on which a filled value is announced.
    pub filled: String,
}

impl Keys {
    pub fn new(prefix: &str, key: &str) -> Self {
        Keys {
            lease: format!("{prefix}:lease:{key}"),
            fence: format!("{prefix}:fence:{key}"),
            value: format!("{prefix}:value:{key}"),
            filled: format!("{prefix}:filled:{key}"),
        }
    }
}

// ANCHOR: scripts
/// Takes the lease if it is free (`SET NX` with a TTL) and, only then, hands out the
/// next fencing token. Returns the token, or nil when another holder has it.
const ACQUIRE: &str = r"
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
    return redis.call('INCR', KEYS[2])
end
return false";

/// Extends the lease, only if it is still this holder's.
const RENEW: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0";

/// Deletes the lease, only if it is still this holder's: compare and delete. A plain
/// `DEL` from a holder whose lease expired would delete the next holder's.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0";

/// The fencing check: writes the value and announces it only if no lease has been
/// handed out since this holder's (its token is still the latest).
const WRITE_FENCED: &str = r"
if tonumber(redis.call('GET', KEYS[1])) ~= tonumber(ARGV[1]) then
    return 0
end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
redis.call('PUBLISH', KEYS[3], ARGV[1])
return 1";
// ANCHOR_END: scripts

/// A lease this replica holds: its holder id (unique per lease taken) and its token.
pub struct Lease {
    pub keys: Keys,
    /// Who holds it: the replica's name and a random number, so that no two leases
    /// ever carry the same id, even from the same replica.
    holder: String,
    /// The fencing token: greater than every token handed out before for this key.
    pub token: u64,
    pub ttl: Duration,
}

// ANCHOR: lease
impl Lease {
    /// Takes the lease on `keys` for `ttl`, or `None` if another holder has it.
    pub async fn acquire(
        redis: &mut MultiplexedConnection,
        keys: &Keys,
        replica: &str,
        ttl: Duration,
    ) -> RedisResult<Option<Lease>> {
        let holder = format!("{replica}-{:016x}", rand::random::<u64>());
        let token: Option<u64> = Script::new(ACQUIRE)
            .key(&keys.lease)
            .key(&keys.fence)
            .arg(&holder)
            .arg(ttl.as_millis() as u64)
            .invoke_async(redis)
            .await?;
        Ok(token.map(|token| Lease {
            keys: keys.clone(),
            holder,
            token,
            ttl,
        }))
    }

    /// Extends the lease to `ttl` from now; `false` if it is no longer ours.
    pub async fn renew(&self, redis: &mut MultiplexedConnection) -> RedisResult<bool> {
        let renewed: u64 = Script::new(RENEW)
            .key(&self.keys.lease)
            .arg(&self.holder)
            .arg(self.ttl.as_millis() as u64)
            .invoke_async(redis)
            .await?;
        Ok(renewed == 1)
    }

    /// Writes `value` for the fleet, fenced; `false` if a newer lease exists.
    pub async fn write(
        &self,
        redis: &mut MultiplexedConnection,
        value: &str,
        value_ttl: Duration,
    ) -> RedisResult<bool> {
        let written: u64 = Script::new(WRITE_FENCED)
            .key(&self.keys.fence)
            .key(&self.keys.value)
            .key(&self.keys.filled)
            .arg(self.token)
            .arg(value)
            .arg(value_ttl.as_millis() as u64)
            .invoke_async(redis)
            .await?;
        Ok(written == 1)
    }

    /// Gives the lease back if it is still ours; `false` if it was not.
    pub async fn release(self, redis: &mut MultiplexedConnection) -> RedisResult<bool> {
        let released: u64 = Script::new(RELEASE)
            .key(&self.keys.lease)
            .arg(&self.holder)
            .invoke_async(redis)
            .await?;
        Ok(released == 1)
    }
}
// ANCHOR_END: lease
