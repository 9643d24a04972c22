//! Lesson 11: the cache stampede, and the two defences that work together.
//!
//! A cached entry expires while a crowd is asking for it: every request that misses
//! goes to the database, which queues them on its few connections. Singleflight alone
//! merges the requests that overlap into one query, but with no cache the next crowd
//! queries again. A miss that goes through singleflight and fills the cache costs one
//! query in all. The crowds arrive in waves that the lesson lines up at the door, so
//! that the counts are the same on every machine, busy or idle.
//!
//! * `store.rs`: the slow database and the course's cache;
//! * `setups.rs`: the four set-ups, each a handler, and the server routing to them;
//! * here: the scenario's figures, the waves at expiry, and the table.

mod setups;
mod store;

use std::time::Duration;

use anyhow::Result;
use lessons::kit::{
    BURST_CONCURRENCY, Burst, Flags, Narrator, Report, Serve, TestServer, burst, run_lesson,
};
use setups::{Setup, stampede_server};

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
        p50: timings.percentile(50.0),
        p99: timings.percentile(99.0),
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
/// measured, for the percentiles over every request.
fn all_of(waves: Vec<Burst>, latencies: Vec<Duration>) -> Burst {
    let mut all = Burst::default();
    for wave in &waves {
        all.merge(wave);
    }
    // The clients' own times include the wait at the door; the door's do not.
    all.latencies = latencies.into_iter().collect();
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
