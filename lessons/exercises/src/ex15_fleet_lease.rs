//! Exercise 15 (lesson `13_fleet_stampede`): a lease in Redis, taken by one, renewed
//! while the work runs, released and written only by its holder.
//!
//! Three replicas of a service share one Redis. When a cached value runs out, one of
//! them should refill it, not all three: the one that takes the lease. A lease that
//! lasts for ever would outlive a crashed holder, so it has a TTL; work that outlasts
//! the TTL renews it; and a holder paused past its TTL (a long GC, a stalled VM) must
//! not overwrite the result of the holder after it, so every write carries a fencing
//! token that Redis checks. Grade it with `cargo test -p exercises --test
//! ex15_fleet_lease` (it starts a `redis-server` of its own for each test).

use std::future::Future;
use std::time::Duration;

use redis::RedisResult;
use redis::aio::MultiplexedConnection;

/// What [`hold_while`] did: the work's value, and whether it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// What the work returned.
    pub value: String,
    /// Whether the fence let it be written (see [`Lease::write_fenced`]).
    pub written: bool,
}

// ANCHOR: exercise
/// A lease on a key: while it is held, nobody else gets one for that key.
pub struct Lease {
    // TODO: what renew, release and write_fenced need to find the lease in Redis and
    //       prove it is theirs: its key, a holder id unique to this lease across the
    //       whole fleet, its fencing token, its TTL.
    _todo: (),
}

/// Takes the lease on `key` for `ttl` if nobody holds it: `Some(lease)`, carrying a
/// fencing token greater than every token handed out before for this key, even after
/// those leases have expired or been released. `None` if another holder has it. One
/// atomic step: two callers never both get it, and the token goes with the lease.
///
/// The lease and its counter live at Redis keys of your choice derived from `key`
/// (`lease:{key}`, say); a lease whose holder vanishes without releasing it expires
/// `ttl` after it was taken or last renewed.
pub async fn acquire(
    redis: &mut MultiplexedConnection,
    key: &str,
    ttl: Duration,
) -> RedisResult<Option<Lease>> {
    // TODO: take the lease and its token in one step, with an expiry.
    todo!("take the lease if it is free, with a TTL and a new fencing token")
}

impl Lease {
    /// This lease's fencing token.
    pub fn token(&self) -> u64 {
        todo!("the token handed out with this lease")
    }

    /// Extends the lease to its TTL from now, only while it is still this holder's:
    /// `Ok(false)`, and nothing changed, if it was lost (it expired, and perhaps
    /// another holder has taken it since).
    pub async fn renew(&self, redis: &mut MultiplexedConnection) -> RedisResult<bool> {
        todo!("extend the lease only if it is still ours")
    }

    /// Deletes the lease, only while it is still this holder's: `Ok(false)`, and
    /// nothing deleted, otherwise.
    pub async fn release(self, redis: &mut MultiplexedConnection) -> RedisResult<bool> {
        todo!("delete the lease only if it is still ours")
    }

    /// Writes `value` at `result_key` (a key of the caller's, never one of the lease's
    /// own) to expire after `ttl`, unless a newer lease has been handed out for this
    /// lease's key since this one: the fencing check, made in Redis in the same atomic
    /// step as the write. `Ok(true)` if written (also when this lease has expired and
    /// nobody has taken one since: its token is still the newest); `Ok(false)`, and
    /// nothing written, if a newer lease exists.
    pub async fn write_fenced(
        &self,
        redis: &mut MultiplexedConnection,
        result_key: &str,
        value: &str,
        ttl: Duration,
    ) -> RedisResult<bool> {
        todo!("write only if no newer token has been handed out")
    }
}

/// Runs `work` while holding `lease`: renews it every third of its TTL while the work
/// runs (a lost lease is not renewed again; a renewal that fails with an error, Redis
/// away for a moment, is tried again at the next period; either way the work goes on),
/// and stops renewing the moment the work ends, or the moment this future is dropped:
/// nothing it starts outlives it. Then writes the work's value at `result_key` for `result_ttl` with
/// [`Lease::write_fenced`], releases the lease, and returns the value and whether it
/// was written. The future is `Send` when `work` is.
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
    // TODO: race the work against a ticker that renews the lease, in this future.
    // TODO: then the fenced write, then the release.
    todo!("renew the lease while the work runs, then write fenced and release")
}
// ANCHOR_END: exercise
