//! Lesson 13: the stampede across a fleet, coalesced on Redis.
//!
//! Lesson 11 held a cache expiry to one query, on one server. A service runs as
//! several replicas, and each one's singleflight coalesces only its own callers: three
//! replicas, three queries. Here three replicas share a real Redis (started by the
//! lesson) and coalesce through a lease in it: one query for the fleet. Then the
//! lease's failure modes, one scene each: the holder dies, the holder wakes up too
//! late, Redis itself goes away.
//!
//! * `replica.rs`: one replica (server, cache, group) on a runtime of its own;
//! * `fleet.rs`: filling a key once for the fleet: lead, wait, take over, fall back;
//! * `lease.rs`: the lease and its fencing token, as Redis scripts;
//! * `serve.rs`: the fleet kept up under `--serve`;
//! * `tests.rs`: the lease with its fencing check, then its renewal, removed;
//! * here: the five scenes and what each figure counts.

mod fleet;
mod lease;
mod replica;
mod serve;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::Result;
use lessons::kit::{Door, Flags, Narrator, RedisServer, Report, run_lesson, wait_until};
use redis::AsyncCommands;
use tokio::time::Instant;

use fleet::{FleetLog, LEASE_TTL, VALUE_TTL};
use lease::{Keys, Lease};
use replica::{Answer, Coalescing, Database, Replica, Wave, send_one, send_wave};

const ABOUT: &str =
    "Lesson 13: the stampede across three replicas, coalesced with a lease in Redis";

// ANCHOR: scenario
/// The replicas of the service, behind a load balancer that spreads requests evenly.
const REPLICAS: [&str; 3] = ["a", "b", "c"];
/// One database query takes this long: longer than a lease's TTL, so that a holder
/// must renew its lease while it queries.
const QUERY_MS: u64 = 400;
/// Requests per replica in a wave at expiry.
const PER_REPLICA: usize = 30;
/// The key everyone asks for.
const KEY: &str = "config";
// ANCHOR_END: scenario

/// The scenes that keep keys in Redis.
const SCENES_ON_REDIS: [&str; 4] = ["scene2", "scene3", "scene4", "scene5"];

/// Waits in the scenes are bounded: a scene that does not reach its next step within
/// this long has found a bug, and says so.
const PATIENCE: Duration = Duration::from_secs(5);

/// What every scene needs: the lesson's Redis, its narrator, one HTTP client.
struct Stage<'a> {
    redis: &'a mut RedisServer,
    narrator: &'a Narrator,
    client: reqwest::Client,
    query: Duration,
    /// Starts every Redis key of this run: two runs against one `REDIS_URL` never
    /// see each other's leases, tokens or values.
    run: String,
}

impl Stage<'_> {
    /// Three replicas coalescing one way, sharing a new database, behind one door.
    async fn fleet(&self, coalescing: &Coalescing) -> Result<(Vec<Replica>, Database, Door)> {
        let (db, door) = (Database::new(self.query), Door::default());
        let mut replicas = Vec::new();
        for name in REPLICAS {
            replicas.push(Replica::start(name, &db, coalescing, &door).await?);
        }
        Ok((replicas, db, door))
    }

    /// The prefix of a scene's Redis keys.
    fn prefix(&self, scene: &str) -> String {
        format!("{}:{scene}", self.run)
    }

    /// Coalescing through this Redis, with keys and figures of the scene's own.
    fn through_redis(&self, scene: &str) -> Result<(Coalescing, Arc<FleetLog>)> {
        let log = Arc::new(FleetLog::default());
        let coalescing = Coalescing::Fleet {
            redis: self.redis.client()?,
            prefix: self.prefix(scene),
            log: log.clone(),
        };
        Ok((coalescing, log))
    }

    /// Deletes what the scenes left in a Redis that outlives the lesson: their values,
    /// leases and fencing counters.
    async fn clean_up(&self) -> Result<()> {
        let mut redis = self
            .redis
            .client()?
            .get_multiplexed_async_connection()
            .await?;
        for scene in SCENES_ON_REDIS {
            let keys = Keys::new(&self.prefix(scene), KEY);
            let _: () = redis.del(&[keys.lease, keys.fence, keys.value]).await?;
        }
        Ok(())
    }

    /// A wave of `PER_REPLICA` requests for each replica, let in all at once.
    async fn wave_at_expiry(&self, replicas: &[Replica], door: &Door) -> Wave {
        let all: Vec<&Replica> = replicas.iter().collect();
        door.line_up(PER_REPLICA * all.len());
        let wave = send_wave(&self.client, &all, KEY, PER_REPLICA).await;
        door.open();
        wave
    }

    fn say_wave(&self, wave: &Wave, db: &Database) {
        let mut values: Vec<_> = wave.values.iter().collect();
        values.sort();
        self.narrator.say(
            "client",
            format!(
                "{} answered 200 OK with {values:?}, {} errors, {} refused",
                wave.answered(),
                wave.errors,
                wave.refused
            ),
        );
        self.narrator.say(
            "db",
            format!(
                "queries: {} (at most {} by one replica)",
                db.queries(),
                db.most_by_one_replica()
            ),
        );
    }
}

// ANCHOR: local
/// Scene 1: each replica coalesces its own callers, and only those.
async fn local_only(stage: &Stage<'_>) -> Result<usize> {
    let (replicas, db, door) = stage.fleet(&Coalescing::Local).await?;
    stage.narrator.say(
        "client",
        format!(
            "no replica has {KEY} cached, as at its expiry: {PER_REPLICA} GETs to each of the 3"
        ),
    );
    let wave = stage.wave_at_expiry(&replicas, &door).await;
    stage.say_wave(&wave, &db);
    Ok(db.queries())
}
// ANCHOR_END: local

// ANCHOR: fleet
/// Scene 2: the replicas coalesce through the lease: one query for the fleet.
async fn through_the_fleet(stage: &Stage<'_>) -> Result<usize> {
    let (coalescing, log) = stage.through_redis("scene2")?;
    let (replicas, db, door) = stage.fleet(&coalescing).await?;
    stage.narrator.say(
        "client",
        "the same wave, each replica's miss going through the lease in Redis",
    );
    let wave = stage.wave_at_expiry(&replicas, &door).await;
    stage.say_wave(&wave, &db);
    stage.narrator.say(
        "fleet",
        format!(
            "leases taken: {}; the other replicas waited for its value",
            log.leases.load(Ordering::SeqCst)
        ),
    );
    Ok(db.queries())
}
// ANCHOR_END: fleet

/// What scene 3 measured.
struct Takeover {
    took_over_after: Option<Duration>,
    queries: usize,
    survivor_errors: usize,
    refused_on_dead: usize,
    lost_with_dead: usize,
}

// ANCHOR: holder_dies
/// Scene 3: the replica holding the lease dies while it queries.
async fn holder_dies(stage: &Stage<'_>) -> Result<Takeover> {
    let narrator = stage.narrator;
    let (coalescing, log) = stage.through_redis("scene3")?;
    let (mut replicas, db, _door) = stage.fleet(&coalescing).await?;
    let survivors = replicas.split_off(1);
    let doomed = replicas.pop().expect("three replicas");
    let client = stage.client.clone();

    narrator.say(
        "client",
        "one GET to replica a: it takes the lease and queries",
    );
    let first = tokio::spawn(send_one(client.clone(), doomed.url(KEY)));
    wait_for(|| db.queries() == 1, "replica a to start its query").await?;
    narrator.say(
        "client",
        format!("{PER_REPLICA} GETs to each of b and c: they wait for a's value"),
    );
    let waiting = {
        let (client, survivors) = (client.clone(), &survivors);
        async move {
            let survivors: Vec<&Replica> = survivors.iter().collect();
            send_wave(&client, &survivors, KEY, PER_REPLICA).await
        }
    };
    let (wave, killed_at) = tokio::join!(waiting, async {
        wait_for(
            || log.waiting.load(Ordering::SeqCst) == 2,
            "b and c to wait",
        )
        .await?;
        let dead_url = doomed.url(KEY);
        narrator.say(
            "replica",
            "a killed mid-query: every task dropped, the lease not released",
        );
        let killed_at = Instant::now();
        doomed.kill().await;
        // The load balancer has not noticed yet: it still sends some requests there.
        let probes = (0..PER_REPLICA / 3).map(|_| send_one(client.clone(), dead_url.clone()));
        let refused = futures::future::join_all(probes)
            .await
            .into_iter()
            .filter(|answer| matches!(answer, Answer::Refused))
            .count();
        Ok::<_, anyhow::Error>((killed_at, refused))
    });
    let (killed_at, refused_on_dead) = killed_at?;
    let lost_with_dead = usize::from(!matches!(first.await?, Answer::Ok(_)));
    stage.say_wave(&wave, &db);
    let took_over_after = log.took_over_at().map(|at| at.duration_since(killed_at));
    narrator.say(
        "fleet",
        format!(
            "a's lease lapsed; taken over {} ms after the kill (lease TTL {} ms)",
            took_over_after.map_or("never".to_owned(), |after| after.as_millis().to_string()),
            LEASE_TTL.as_millis()
        ),
    );
    narrator.say(
        "client",
        format!("to the dead replica: {refused_on_dead} refused, {lost_with_dead} lost in flight"),
    );
    Ok(Takeover {
        took_over_after,
        queries: db.queries(),
        survivor_errors: wave.errors + wave.refused,
        refused_on_dead,
        lost_with_dead,
    })
}
// ANCHOR_END: holder_dies

// ANCHOR: late_holder
/// Scene 4: a holder stops (a long GC pause, a frozen VM) past its lease's TTL, the
/// fleet moves on, and then it wakes up and tries to write what it read long ago.
async fn late_holder(stage: &Stage<'_>) -> Result<usize> {
    let narrator = stage.narrator;
    let (coalescing, _log) = stage.through_redis("scene4")?;
    let (replicas, db, _door) = stage.fleet(&coalescing).await?;
    let mut redis = stage
        .redis
        .client()?
        .get_multiplexed_async_connection()
        .await?;
    let keys = Keys::new(&stage.prefix("scene4"), KEY);

    // Replica a is played by the lesson here, step by step, with the same lease code.
    let lease = Lease::acquire(&mut redis, &keys, "a", LEASE_TTL)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the lease on a fresh key was taken"))?;
    narrator.say(
        "replica",
        format!(
            "a took the lease, fencing token {}; queries, then stops: no renewals",
            lease.token
        ),
    );
    let others: Vec<&Replica> = replicas[1..].iter().collect();
    narrator.say(
        "client",
        format!("{PER_REPLICA} GETs to each of b and c: they wait for a's value"),
    );
    // a's query and the wave at once; a then stays stopped until the wave is answered.
    let replica_a = db.for_replica("a");
    let (stale, wave) = tokio::join!(
        replica_a.query(KEY),
        send_wave(&stage.client, &others, KEY, PER_REPLICA)
    );
    stage.say_wave(&wave, &db);

    narrator.say(
        "replica",
        format!("a wakes up and writes {stale:?} with token {}", lease.token),
    );
    let written = lease.write(&mut redis, &stale, VALUE_TTL).await?;
    let in_redis: Option<String> = redis.get(&keys.value).await?;
    let verdict = match written {
        true => "write accepted",
        false => "write refused, a newer token exists",
    };
    let in_redis = in_redis.unwrap_or_default();
    narrator.say("redis", format!("{verdict}: the value is now {in_redis:?}"));
    let released = lease.release(&mut redis).await?;
    narrator.say(
        "replica",
        format!(
            "a releases the lease: {}",
            if released {
                "deleted"
            } else {
                "not its own any more, left alone"
            }
        ),
    );
    Ok(usize::from(!written))
}
// ANCHOR_END: late_holder

/// What scene 5 measured.
struct RedisDown {
    most_by_one_replica: usize,
    fell_back_after: Option<Duration>,
    errors: usize,
    queries: usize,
}

// ANCHOR: redis_dies
/// Scene 5: Redis dies while b and c wait for a's value.
async fn redis_dies(stage: &mut Stage<'_>) -> Result<RedisDown> {
    let narrator = stage.narrator;
    let (coalescing, log) = stage.through_redis("scene5")?;
    let (replicas, db, _door) = stage.fleet(&coalescing).await?;
    let client = stage.client.clone();
    narrator.say("client", "one GET to replica a, then 30 to each of b and c");
    let first = tokio::spawn(send_one(client.clone(), replicas[0].url(KEY)));
    wait_for(|| db.queries() == 1, "replica a to start its query").await?;
    let others: Vec<&Replica> = replicas[1..].iter().collect();
    let redis = &mut *stage.redis;
    let (wave, killed_at) = tokio::join!(send_wave(&client, &others, KEY, PER_REPLICA), async {
        wait_for(
            || log.waiting.load(Ordering::SeqCst) == 2,
            "b and c to wait",
        )
        .await?;
        narrator.say("redis", "killed");
        let killed_at = Instant::now();
        redis.kill().await?;
        Ok::<_, anyhow::Error>(killed_at)
    });
    let killed_at = killed_at?;
    let first = first.await?;
    let errors = wave.errors + wave.refused + usize::from(!matches!(first, Answer::Ok(_)));
    stage.say_wave(&wave, &db);
    let fell_back_after = log.fell_back_at().map(|at| at.duration_since(killed_at));
    narrator.say(
        "fleet",
        format!(
            "{} replicas fell back to their own singleflight, the last {} ms after Redis died",
            log.fallbacks.load(Ordering::SeqCst),
            fell_back_after.map_or("-".to_owned(), |after| after.as_millis().to_string())
        ),
    );
    Ok(RedisDown {
        most_by_one_replica: db.most_by_one_replica(),
        fell_back_after,
        errors,
        queries: db.queries(),
    })
}
// ANCHOR_END: redis_dies

async fn demo(flags: &Flags, narrator: &Narrator) -> Result<Report> {
    // No Redis, or a REDIS_URL that does not answer: one line that says why, and
    // exit 2, as for a bad flag.
    let mut redis = RedisServer::start().await.unwrap_or_else(|error| {
        eprintln!("13_fleet_stampede: {error:#}");
        std::process::exit(2)
    });
    narrator.say(
        "redis",
        if redis.is_ours() {
            "started, on a socket of its own"
        } else {
            "using REDIS_URL"
        },
    );
    let mut stage = Stage {
        redis: &mut redis,
        narrator,
        client: reqwest::Client::builder().timeout(PATIENCE).build()?,
        query: flags.ms(QUERY_MS),
        run: format!("fleet-{:08x}", rand::random::<u32>()),
    };
    let mut report = Report::new().with("replicas", REPLICAS.len());

    narrator.scenario("1. local singleflight only: each replica coalesces its own callers");
    report = report.with("db_calls_local", local_only(&stage).await?);

    narrator.scenario("2. coalesced across the fleet: a lease in Redis");
    report = report.with("db_calls_fleet", through_the_fleet(&stage).await?);

    narrator.scenario("3. the lease holder's replica dies mid-query");
    let takeover = holder_dies(&stage).await?;
    report = report
        .with(
            "takeover_ms",
            takeover
                .took_over_after
                .map_or("never".to_owned(), |after| after.as_millis().to_string()),
        )
        .with("lease_ttl_ms", LEASE_TTL.as_millis())
        .with("db_calls_takeover", takeover.queries)
        .with("survivor_errors", takeover.survivor_errors)
        .with("refused_on_dead", takeover.refused_on_dead)
        .with("lost_with_dead", takeover.lost_with_dead);

    narrator.scenario("4. a holder that wakes up after its lease has lapsed");
    report = report.with("stale_writes_rejected", late_holder(&stage).await?);

    narrator.scenario("5. Redis goes away mid-flight");
    if stage.redis.is_ours() {
        let down = redis_dies(&mut stage).await?;
        report = report
            .with("fallback_local", down.most_by_one_replica)
            .with(
                "fallback_ms",
                down.fell_back_after
                    .map_or("never".to_owned(), |after| after.as_millis().to_string()),
            )
            .with("db_calls_redis_down", down.queries)
            .with("redis_down_errors", down.errors);
    } else {
        narrator.say(
            "redis",
            "skipped: the lesson stops only a Redis it started, not REDIS_URL's",
        );
        stage.clean_up().await?;
    }
    Ok(report)
}

/// Waits until `condition` holds, or fails the scene with what it was waiting for.
async fn wait_for(condition: impl FnMut() -> bool, what: &str) -> Result<()> {
    if wait_until(PATIENCE, condition).await {
        Ok(())
    } else {
        anyhow::bail!("waited {PATIENCE:?} for {what}")
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    run_lesson(ABOUT, demo, |flags, narrator| {
        // `run_lesson` asks for the server from inside the runtime, without awaiting:
        // Redis is started here, on this runtime, blocking this one thread meanwhile.
        let started = tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(serve::serve_fleet(flags, narrator))
        });
        started.unwrap_or_else(|error| {
            eprintln!("13_fleet_stampede: {error:#}");
            std::process::exit(2)
        })
    })
    .await
}
