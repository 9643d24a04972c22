//! The four set-ups the lesson compares, each a handler with state of its own, and
//! the one server that routes to them.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::routing::get;
use lessons::kit::{Door, Narrator, through};
use lessons::singleflight::{Group, Outcome};

use super::store::{Cache, Database};

/// Our singleflight group: a query cannot fail here, but the flight still can (a
/// panic, an aborted task), and the handlers answer that with a 500.
pub type Flights = Group<String, String, Infallible>;

/// What a handler answers: the value, or why there is none.
pub type Answer = Result<String, (StatusCode, String)>;

pub fn answer(outcome: Outcome<String, Infallible>) -> Answer {
    outcome
        .result
        .map_err(|error| (StatusCode::INTERNAL_SERVER_ERROR, format!("{error:?}\n")))
}

// ANCHOR: cache_only
/// Set-up 1, no protection: the cache alone.
#[derive(Clone)]
pub struct CacheOnly {
    pub cache: Arc<Cache>,
    pub db: Database,
}

pub async fn cache_only(State(app): State<CacheOnly>, Path(key): Path<String>) -> Answer {
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
pub struct SingleflightOnly {
    flights: Flights,
    pub db: Database,
}

pub async fn singleflight_only(
    State(app): State<SingleflightOnly>,
    Path(key): Path<String>,
) -> Answer {
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
pub struct CacheAndSingleflight {
    pub cache: Arc<Cache>,
    flights: Flights,
    pub db: Database,
}

pub async fn cache_singleflight(
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
pub struct Moka {
    pub cache: moka::future::Cache<String, String>,
    pub db: Database,
}

pub async fn moka_cache(State(app): State<Moka>, Path(key): Path<String>) -> Answer {
    let Moka { cache, db } = app;
    let init_key = key.clone();
    Ok(cache
        .get_with(key, async move { db.query(&init_key).await })
        .await)
}
// ANCHOR_END: moka

/// A set-up's cache, the course's or moka's: what the driver fills, then expires.
pub enum Stored {
    Ours(Arc<Cache>),
    Moka(moka::future::Cache<String, String>),
}

impl Stored {
    /// Ends `key`'s life now, as if its TTL had run out.
    pub async fn expire(&self, key: &str) {
        match self {
            Stored::Ours(cache) => cache.expire(key),
            Stored::Moka(cache) => cache.invalidate(key).await,
        }
    }
}

/// One set-up: its name in the table and the result line, its route, and its own
/// database, so that each one's queries are counted apart.
pub struct Setup {
    /// As the table shows it.
    pub name: &'static str,
    /// As the result line's keys end: `calls_{suffix}`.
    pub suffix: &'static str,
    /// The route, with `{key}` where the key goes.
    pub route: &'static str,
    /// The set-up's cache, if it has one: filled, then expired, before the waves.
    pub cache: Option<Stored>,
    /// This set-up's database, and no other's.
    pub db: Database,
    /// The way into this set-up's route, where the driver lines up its waves.
    pub door: Door,
}

/// The four set-ups on one server, each with fresh state: a cache, a group, a database.
pub fn stampede_server(
    query: Duration,
    ttl: Duration,
    narrator: &Narrator,
) -> (Router, [Setup; 4]) {
    // Set-ups 1 and 3 each have a cache of the course's own, set-up 4 moka's.
    let (cache_1, cache_3) = (Arc::new(Cache::new(ttl)), Arc::new(Cache::new(ttl)));
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
            "no_protection" => Stored::Ours(cache_1.clone()),
            "moka" => Stored::Moka(moka.clone()),
            _ => Stored::Ours(cache_3.clone()),
        }),
        db: Database::new(query, narrator),
        door: Door::default(),
    });
    let router = Router::new()
        .route(
            setups[0].route,
            get(cache_only)
                .with_state(CacheOnly {
                    cache: cache_1,
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
                    cache: cache_3,
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
