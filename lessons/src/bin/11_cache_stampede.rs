//! Lesson 11: the cache stampede, and the two defences that work together.
//!
//! A cached entry expires while a crowd is asking for it: every request that misses
//! goes to the database, which queues them on its few connections. Singleflight alone
//! merges the requests that overlap into one query, but with no cache the next crowd
//! queries again. A miss that goes through singleflight and fills the cache costs one
//! query in all. The crowds arrive in waves that the lesson lines up at the door, so
//! that the counts are the same on every machine, busy or idle.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::Result;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::routing::get;
use lessons::kit::{
    BURST_CONCURRENCY, Burst, Door, Flags, Latency, Narrator, Report, Serve, SlowBackend,
    TestServer, burst, run_lesson, through,
};
use lessons::singleflight::{Group, Outcome};
use tokio::sync::Semaphore;
use tokio::time::Instant;

const ABOUT: &str =
    "Lesson 11: the cache stampede: no protection, singleflight, cache + singleflight";

// ANCHOR: scenario
/// One database query takes this many milliseconds...
const QUERY_MS: u64 = 100;
/// ...and the database runs at most this many at once (its connection pool).
const DB_CONNECTIONS: usize = 20;
/// A cached value is good for this many milliseconds: many times what the waves take,
/// even on a busy machine, so that a refilled entry outlives them. The lesson does not
/// wait this long for the first entry to expire: it ends that entry's life early.
const TTL_MS: u64 = 10_000;
/// Once the entry has expired, the requests for it come in waves of this many, all in
/// flight at once (`BURST_CONCURRENCY`, 100)...
const WAVE: usize = BURST_CONCURRENCY;
/// ...and this many waves, each sent once the one before has been answered.
const WAVES: usize = 2;
/// Requests in all.
const REQUESTS: usize = WAVE * WAVES;
/// The key everyone asks for.
const KEY: &str = "config";
// ANCHOR_END: scenario

/// Under `--serve`, slower queries, and a life long enough that curl and a load tool see
/// hits, misses and the stampede at each expiry.
const SERVE_QUERY_MS: u64 = 200;
const SERVE_TTL_MS: u64 = 2000;

// ANCHOR: database
/// The slow dependency: each query is a call to a [`SlowBackend`], made on one of
/// `DB_CONNECTIONS` connections. A query that finds them all busy waits for one, as
/// with any pooled database client: this is where a stampede turns into latency.
#[derive(Clone)]
struct Database {
    /// Runs the queries and counts them.
    backend: SlowBackend,
    /// The connection pool: one permit per connection.
    connections: Arc<Semaphore>,
}

impl Database {
    fn new(query: Duration, narrator: &Narrator) -> Self {
        Database {
            backend: SlowBackend::new("db", Latency::Fixed(query), narrator),
            connections: Arc::new(Semaphore::new(DB_CONNECTIONS)),
        }
    }

    async fn query(&self, key: &str) -> String {
        let _connection = self
            .connections
            .acquire()
            .await
            .expect("the pool is never closed");
        self.backend.call(key).await
    }

    /// Queries started so far.
    fn queries(&self) -> usize {
        self.backend.stats().started
    }
}
// ANCHOR_END: database

// ANCHOR: cache
/// A cache whose entries expire `ttl` after they were stored.
struct Cache {
    /// How long a stored value stays good.
    ttl: Duration,
    /// Key to value and the instant it expires. A std mutex: it is held only for one
    /// lookup or one insert, never across an `.await`.
    entries: Mutex<HashMap<String, (String, Instant)>>,
}

impl Cache {
    fn new(ttl: Duration) -> Self {
        Cache {
            ttl,
            entries: Mutex::default(),
        }
    }

    /// The value for `key`, if it is there and has not expired.
    fn get(&self, key: &str) -> Option<String> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let (value, expires) = entries.get(key)?;
        (Instant::now() < *expires).then(|| value.clone())
    }

    /// Stores `value` for `key`, good for `ttl` from now. An expired entry stays in
    /// the map until the next `put` replaces it.
    fn put(&self, key: &str, value: String) {
        let expires = Instant::now() + self.ttl;
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.insert(key.to_owned(), (value, expires));
    }

    /// Makes `key`'s entry expire now, as if its `ttl` had run out: the lesson's way
    /// to reach the moment of expiry without waiting for it.
    fn expire(&self, key: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, expires)) = entries.get_mut(key) {
            *expires = Instant::now();
        }
    }
}
// ANCHOR_END: cache

/// Our singleflight group: a query cannot fail here, but the flight still can (a
/// panic, an aborted task), and the handlers answer that with a 500.
type Flights = Group<String, String, Infallible>;

/// What a handler answers: the value, or why there is none.
type Answer = Result<String, (StatusCode, String)>;

fn answer(outcome: Outcome<String, Infallible>) -> Answer {
    outcome
        .result
        .map_err(|error| (StatusCode::INTERNAL_SERVER_ERROR, format!("{error:?}\n")))
}

// ANCHOR: cache_only
/// Set-up 1, no protection: the cache alone.
#[derive(Clone)]
struct CacheOnly {
    cache: Arc<Cache>,
    db: Database,
}

async fn cache_only(State(app): State<CacheOnly>, Path(key): Path<String>) -> Answer {
    if let Some(value) = app.cache.get(&key) {
        return Ok(value);
    }
    // The stampede: every request that missed is here, and each queries the
    // database, until one of them has put the value back.
    let value = app.db.query(&key).await;
    app.cache.put(&key, value.clone());
    Ok(value)
}
// ANCHOR_END: cache_only

// ANCHOR: singleflight_only
/// Set-up 2: singleflight and no cache.
#[derive(Clone)]
struct SingleflightOnly {
    flights: Flights,
    db: Database,
}

async fn singleflight_only(State(app): State<SingleflightOnly>, Path(key): Path<String>) -> Answer {
    // Requests that overlap share one query; a request that arrives after the flight
    // has landed starts the next one: nothing remembers the answer.
    let SingleflightOnly { flights, db } = app;
    let work_key = key.clone();
    let work = async move { Ok(db.query(&work_key).await) };
    answer(flights.run(key, work).await)
}
// ANCHOR_END: singleflight_only

// ANCHOR: cache_singleflight
/// Set-up 3: the cache first; a miss goes through singleflight, whose flight fills
/// the cache.
#[derive(Clone)]
struct CacheAndSingleflight {
    cache: Arc<Cache>,
    flights: Flights,
    db: Database,
}

async fn cache_singleflight(
    State(app): State<CacheAndSingleflight>,
    Path(key): Path<String>,
) -> Answer {
    if let Some(value) = app.cache.get(&key) {
        return Ok(value);
    }
    let CacheAndSingleflight { cache, flights, db } = app;
    let work_key = key.clone();
    // The work outlives its callers (the group hands it to a task of its own when its
    // first caller leaves): the cache is filled even if every request has gone.
    let work = async move {
        // Look again: a flight that landed a moment ago may have filled the cache
        // after this request missed it. Singleflight only merges calls that overlap.
        if let Some(value) = cache.get(&work_key) {
            return Ok(value);
        }
        let value = db.query(&work_key).await;
        cache.put(&work_key, value.clone());
        Ok(value)
    };
    answer(flights.run(key, work).await)
}
// ANCHOR_END: cache_singleflight

// ANCHOR: moka
/// Set-up 4, from the shelf: moka's cache coalesces by itself. `get_with` runs one
/// `init` per key while the other callers of that key wait for its value, and the
/// value is cached for the TTL: set-up 3 in one call.
#[derive(Clone)]
struct Moka {
    cache: moka::future::Cache<String, String>,
    db: Database,
}

async fn moka_cache(State(app): State<Moka>, Path(key): Path<String>) -> Answer {
    let Moka { cache, db } = app;
    let init_key = key.clone();
    Ok(cache
        .get_with(key, async move { db.query(&init_key).await })
        .await)
}
// ANCHOR_END: moka

/// A set-up's cache, the course's or moka's: what the driver fills, then expires.
enum Stored {
    Ours(Arc<Cache>),
    Moka(moka::future::Cache<String, String>),
}

impl Stored {
    /// Ends `key`'s life now, as if its TTL had run out.
    async fn expire(&self, key: &str) {
        match self {
            Stored::Ours(cache) => cache.expire(key),
            Stored::Moka(cache) => cache.invalidate(key).await,
        }
    }
}

/// One set-up: its name in the table and the result line, its route, and its own
/// database, so that each one's queries are counted apart.
struct Setup {
    /// As the table shows it.
    name: &'static str,
    /// As the result line's keys end: `calls_{suffix}`.
    suffix: &'static str,
    /// The route, with `{key}` where the key goes.
    route: &'static str,
    /// The set-up's cache, if it has one: filled, then expired, before the waves.
    cache: Option<Stored>,
    /// This set-up's database, and no other's.
    db: Database,
    /// The way into this set-up's route, where the driver lines up its waves.
    door: Door,
}

/// The four set-ups on one server, each with fresh state: a cache, a group, a database.
fn stampede_server(query: Duration, ttl: Duration, narrator: &Narrator) -> (Router, [Setup; 4]) {
    let ours = Arc::new(Cache::new(ttl));
    let (mut ours_1, mut ours_3) = (Some(ours.clone()), Some(Arc::new(Cache::new(ttl))));
    let moka = moka::future::Cache::builder().time_to_live(ttl).build();
    let setups = [
        ("no protection", "no_protection", "/cache-only/{key}", true),
        (
            "singleflight only",
            "singleflight",
            "/singleflight-only/{key}",
            false,
        ),
        (
            "cache + singleflight",
            "cache_singleflight",
            "/cache-singleflight/{key}",
            true,
        ),
        ("moka get_with", "moka", "/moka/{key}", true),
    ]
    .map(|(name, suffix, route, cached)| Setup {
        name,
        suffix,
        route,
        cache: cached.then(|| match suffix {
            "no_protection" => Stored::Ours(ours_1.take().expect("one cache each")),
            "moka" => Stored::Moka(moka.clone()),
            _ => Stored::Ours(ours_3.take().expect("one cache each")),
        }),
        db: Database::new(query, narrator),
        door: Door::default(),
    });
    let router = Router::new()
        .route(
            setups[0].route,
            get(cache_only)
                .with_state(CacheOnly {
                    cache: ours,
                    db: setups[0].db.clone(),
                })
                .layer(from_fn_with_state(setups[0].door.clone(), through)),
        )
        .route(
            setups[1].route,
            get(singleflight_only)
                .with_state(SingleflightOnly {
                    flights: Flights::new(),
                    db: setups[1].db.clone(),
                })
                .layer(from_fn_with_state(setups[1].door.clone(), through)),
        )
        .route(
            setups[2].route,
            get(cache_singleflight)
                .with_state(CacheAndSingleflight {
                    cache: match &setups[2].cache {
                        Some(Stored::Ours(cache)) => cache.clone(),
                        _ => unreachable!("set-up 3 has the course's cache"),
                    },
                    flights: Flights::new(),
                    db: setups[2].db.clone(),
                })
                .layer(from_fn_with_state(setups[2].door.clone(), through)),
        )
        .route(
            setups[3].route,
            get(moka_cache)
                .with_state(Moka {
                    cache: moka,
                    db: setups[3].db.clone(),
                })
                .layer(from_fn_with_state(setups[3].door.clone(), through)),
        );
    (router, setups)
}

/// What one set-up measured.
struct Row {
    /// Database queries started during the burst.
    calls: usize,
    /// Half the requests were answered within this.
    p50: Duration,
    /// All but the slowest 1 % were answered within this.
    p99: Duration,
    /// Requests not answered 200 OK.
    errors: usize,
}

// ANCHOR: at_expiry
/// Fills the set-up's cache (if it has one) and makes the entry expire, then sends the
/// waves and counts the database's queries.
async fn at_expiry(server: &TestServer, setup: &Setup, narrator: &Narrator) -> Result<Row> {
    let path = setup.route.replace("{key}", KEY);
    if let Some(cache) = &setup.cache {
        narrator.say(
            "client",
            format!("GET {path}: a miss, one query fills the cache"),
        );
        let (status, body) = server.get(&path).await?;
        narrator.say("client", format!("<- {status} {body:?}, cached"));
        // Rather than wait out the TTL, end the entry's life now: the moment of expiry,
        // reached at once.
        cache.expire(KEY).await;
        narrator.say("cache", format!("{KEY}: expired"));
    } else {
        narrator.say("client", "no cache: every request goes through the group");
    }
    let before = setup.db.queries();
    let mut waves = Vec::new();
    for n in 1..=WAVES {
        narrator.say(
            "client",
            format!("wave {n}: {WAVE} GETs for {KEY}, let in once all have arrived"),
        );
        setup.door.line_up(WAVE);
        let wave = burst(server, &path, WAVE).await;
        narrator.say(
            "client",
            format!(
                "wave {n}: {} answered 200 OK; db queries so far: {}",
                wave.with_status(200),
                setup.db.queries() - before
            ),
        );
        waves.push(wave);
    }
    setup.door.open();
    let timings = all_of(waves, setup.door.answer_times());
    let row = Row {
        calls: setup.db.queries() - before,
        p50: timings.percentile(50),
        p99: timings.percentile(99),
        errors: REQUESTS - timings.with_status(200),
    };
    narrator.say(
        "client",
        format!(
            "{} answered 200 OK, p50 {} ms and p99 {} ms after being let in",
            REQUESTS - row.errors,
            row.p50.as_millis(),
            row.p99.as_millis()
        ),
    );
    narrator.say(
        "db",
        format!("queries for {KEY} during the waves: {}", row.calls),
    );
    Ok(row)
}
// ANCHOR_END: at_expiry

/// The waves as one burst: the answers the clients counted, and the times the door
/// measured (`latencies`, shortest first), for the percentiles over every request.
fn all_of(waves: Vec<Burst>, latencies: Vec<Duration>) -> Burst {
    let mut all = Burst {
        latencies,
        ..Burst::default()
    };
    for wave in waves {
        for (status, n) in wave.statuses {
            *all.statuses.entry(status).or_default() += n;
        }
    }
    all
}

async fn demo(flags: &Flags, narrator: &Narrator) -> Result<Report> {
    let (query, ttl) = (flags.ms(QUERY_MS), flags.ms(TTL_MS));
    // A stampede is a hundred queries: the lesson counts them rather than print each.
    let (router, setups) = stampede_server(query, ttl, &Narrator::quiet());
    let server = TestServer::start(router).await?;

    let mut rows = Vec::new();
    for (n, setup) in setups.iter().enumerate() {
        narrator.scenario(format!("{}. {}", n + 1, setup.name));
        rows.push(at_expiry(&server, setup, narrator).await?);
    }
    server.shutdown().await?;

    narrator.scenario(format!(
        "{REQUESTS} requests at expiry; queries take {} ms, {DB_CONNECTIONS} at a time",
        query.as_millis()
    ));
    // The unit sits beside every time, so a time never passes for a count; the times
    // come last, so that the columns stay aligned whatever their number of digits.
    narrator.explain(format!(
        "{:<22}{:>14}   {}",
        "set-up", "db queries", "time to answer, once let in"
    ));
    for (setup, row) in setups.iter().zip(&rows) {
        narrator.explain(format!(
            "{:<22}{:>14}   p50 {} ms, p99 {} ms",
            setup.name,
            row.calls,
            row.p50.as_millis(),
            row.p99.as_millis()
        ));
    }

    let mut report = Report::new().with("requests", REQUESTS);
    for (setup, row) in setups.iter().zip(&rows) {
        report = report.with(&format!("calls_{}", setup.suffix), row.calls);
    }
    for (setup, row) in setups.iter().zip(&rows) {
        report = report.with(&format!("p99_ms_{}", setup.suffix), row.p99.as_millis());
    }
    let errors: usize = rows.iter().map(|row| row.errors).sum();
    Ok(report.with("errors", errors))
}

// One thread for the server and the client: once a wave is let in, every request of it
// looks at the cache or joins the flight before any timer can run, so no query can end
// in the middle of a wave, however busy the machine.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    run_lesson(ABOUT, demo, |flags, narrator| {
        let (router, _) =
            stampede_server(flags.ms(SERVE_QUERY_MS), flags.ms(SERVE_TTL_MS), narrator);
        Serve {
            router,
            routes: vec![
                "/cache-only/config",
                "/singleflight-only/config",
                "/cache-singleflight/config",
                "/moka/config",
            ],
            on_shutdown: None,
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    // One thread, as in `main`.
    #[tokio::test]
    async fn only_cache_and_singleflight_together_hold_the_stampede_to_one_query() {
        let report = demo(&Flags::for_test(7), &Narrator::quiet()).await.unwrap();
        assert_eq!(
            report.number("errors"),
            0,
            "every request is answered: {report}"
        );
        assert_eq!(
            report.number("calls_no_protection"),
            WAVE as u64,
            "with the cache alone, every request of the first wave queries: {report}"
        );
        assert_eq!(
            report.number("calls_singleflight"),
            WAVES as u64,
            "singleflight alone: one query per wave of overlapping requests: {report}"
        );
        assert_eq!(
            report.number("calls_cache_singleflight"),
            1,
            "cache + singleflight: one query fills the cache for everyone: {report}"
        );
        assert_eq!(
            report.number("calls_moka"),
            1,
            "moka's get_with: one init per key, the value cached: {report}"
        );
    }
}
