//! One replica of the service: an axum server with its own cache and its own
//! singleflight group, as in lesson 11, running on a runtime of its own so that it
//! can die as a process dies: every task dropped where it stands, no lease released,
//! nothing more sent to Redis.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::routing::get;
use lessons::kit::{Door, Latency, Narrator, SlowBackend, TestServer, through};
use lessons::singleflight::Group;
use tokio::runtime::Runtime;

use super::fleet::{Fleet, FleetLog, VALUE_TTL};

/// The database every replica shares: slow, and counting its queries, in all and per
/// replica. Each query returns a new version of the value, so that an old answer and
/// a new one can be told apart.
#[derive(Clone)]
pub struct Database {
    backend: SlowBackend,
    /// Queries so far, per replica.
    per_replica: Arc<Mutex<HashMap<String, usize>>>,
    /// Which replica this handle queries for.
    replica: String,
    /// Versions handed out: one per query, never the same twice, whatever runs at once.
    versions: Arc<AtomicUsize>,
}

impl Database {
    /// A stampede is many queries: the demo counts them rather than print each.
    pub fn new(query: Duration) -> Self {
        Self::narrated(query, &Narrator::quiet())
    }

    /// One whose queries are narrated: under `--serve`, each query is a line.
    pub fn narrated(query: Duration, narrator: &Narrator) -> Self {
        Database {
            backend: SlowBackend::new("db", Latency::Fixed(query), narrator),
            per_replica: Arc::default(),
            replica: String::new(),
            versions: Arc::default(),
        }
    }

    /// The same database, with the queries counted for `replica`.
    pub fn for_replica(&self, replica: &str) -> Database {
        Database {
            replica: replica.to_owned(),
            ..self.clone()
        }
    }

    /// Queries `key`; the answer names the query's number: `config v2` for the second.
    pub async fn query(&self, key: &str) -> String {
        *self
            .per_replica
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(self.replica.clone())
            .or_default() += 1;
        let version = self.versions.fetch_add(1, Ordering::SeqCst) + 1;
        format!("{} v{version}", self.backend.call(key).await)
    }

    /// Queries started so far, by every replica.
    pub fn queries(&self) -> usize {
        self.backend.stats().started
    }

    /// The most queries any one replica started.
    pub fn most_by_one_replica(&self) -> usize {
        let per_replica = self
            .per_replica
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        per_replica.values().copied().max().unwrap_or(0)
    }
}

/// How a replica fills a missing value.
#[derive(Clone)]
pub enum Coalescing {
    /// With its own singleflight only: one query per replica.
    Local,
    /// Through the fleet's lease in Redis at this URL, scene `prefix`.
    Fleet {
        redis: redis::Client,
        prefix: String,
        log: Arc<FleetLog>,
    },
}

/// What a replica's handler holds.
#[derive(Clone)]
struct Service {
    /// The replica's cache (moka), whose entries the lesson expires to start a wave.
    cache: moka::future::Cache<String, String>,
    /// The replica's own singleflight group: its callers, and no other replica's.
    flights: Group<String, String, Infallible>,
    db: Database,
    /// `None`: local coalescing only.
    fleet: Option<Fleet>,
}

// ANCHOR: handler
async fn get_value(
    State(service): State<Service>,
    Path(key): Path<String>,
) -> Result<String, (StatusCode, String)> {
    if let Some(value) = service.cache.get(&key).await {
        return Ok(value);
    }
    let flight_key = key.clone();
    let Service {
        cache,
        flights,
        db,
        fleet,
    } = service;
    let work = async move {
        let value = match &fleet {
            Some(fleet) => fleet.fill(&key, &db).await,
            None => db.query(&key).await,
        };
        cache.insert(key, value.clone()).await;
        Ok(value)
    };
    flights
        .run(flight_key, work)
        .await
        .result
        .map_err(|error| (StatusCode::INTERNAL_SERVER_ERROR, format!("{error:?}\n")))
}
// ANCHOR_END: handler

/// One replica's routes: `GET /value/{key}` through its own cache and group, and
/// through the fleet when given one.
pub fn service(db: Database, fleet: Option<Fleet>, value_ttl: Duration) -> Router {
    let service = Service {
        cache: moka::future::Cache::builder()
            .time_to_live(value_ttl)
            .build(),
        flights: Group::new(),
        db,
        fleet,
    };
    Router::new()
        .route("/value/{key}", get(get_value))
        .with_state(service)
}

/// A running replica.
pub struct Replica {
    /// Where it listens; still known after it died, to count the refused connections.
    addr: SocketAddr,
    server: Option<TestServer>,
    /// Its runtime: its server, its flights, its Redis connections all run here.
    runtime: Option<Runtime>,
}

impl Replica {
    /// Starts replica `name` on a runtime of its own, behind `door`.
    pub async fn start(
        name: &str,
        db: &Database,
        coalescing: &Coalescing,
        door: &Door,
    ) -> anyhow::Result<Replica> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name(format!("replica-{name}"))
            .enable_all()
            .build()?;
        let (name, db) = (name.to_owned(), db.for_replica(name));
        let (coalescing, door) = (coalescing.clone(), door.clone());
        // Built inside its runtime, so that its connection's task lives there too.
        let server = runtime
            .spawn(async move {
                let fleet = match coalescing {
                    Coalescing::Local => None,
                    Coalescing::Fleet { redis, prefix, log } => Some(
                        Fleet::connect(&name, redis, &prefix, VALUE_TTL, log)
                            .await
                            .context("connecting to Redis")?,
                    ),
                };
                let router = service(db, fleet, VALUE_TTL).layer(from_fn_with_state(door, through));
                TestServer::start(router).await
            })
            .await??;
        Ok(Replica {
            addr: server.addr(),
            server: Some(server),
            runtime: Some(runtime),
        })
    }

    /// The URL of `key` on this replica.
    pub fn url(&self, key: &str) -> String {
        format!("http://{}/value/{key}", self.addr)
    }

    // ANCHOR: kill
    /// Dies as a process dies: its runtime is shut down, every task on it (the
    /// server, the flights, the lease renewals, the Redis connections) is dropped
    /// where it stands. Nothing is released; the lease in Redis expires on its own.
    pub async fn kill(mut self) {
        let runtime = self.runtime.take().expect("killed once");
        let server = self.server.take();
        // Waiting for the tasks to be dropped blocks: off the async threads.
        let _ = tokio::task::spawn_blocking(move || {
            runtime.shutdown_timeout(Duration::from_secs(1));
            drop(server);
        })
        .await;
    }
    // ANCHOR_END: kill
}

impl Drop for Replica {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// The answers to a wave of GETs spread over replicas.
#[derive(Default)]
pub struct Wave {
    /// Answered 200, by value.
    pub values: HashMap<String, usize>,
    /// Answered something else.
    pub errors: usize,
    /// Refused: nothing listening (a dead replica).
    pub refused: usize,
}

impl Wave {
    pub fn answered(&self) -> usize {
        self.values.values().sum()
    }
}

/// One request's fate.
pub enum Answer {
    /// 200 OK, with this body.
    Ok(String),
    /// Nothing listening: a dead replica.
    Refused,
    /// Any other status, or a connection that broke.
    Failed,
}

/// Sends one GET to `url`.
pub async fn send_one(client: reqwest::Client, url: String) -> Answer {
    match client.get(url).send().await {
        Ok(response) if response.status() == StatusCode::OK => match response.text().await {
            Ok(value) => Answer::Ok(value),
            Err(_) => Answer::Failed,
        },
        Err(error) if error.is_connect() => Answer::Refused,
        _ => Answer::Failed,
    }
}

/// Sends `per_replica` GETs for `key` to each of `replicas` at once.
pub async fn send_wave(
    client: &reqwest::Client,
    replicas: &[&Replica],
    key: &str,
    per_replica: usize,
) -> Wave {
    let urls: Vec<String> = replicas.iter().map(|replica| replica.url(key)).collect();
    let requests = (0..per_replica * urls.len())
        .map(|n| send_one(client.clone(), urls[n % urls.len()].clone()));
    let mut wave = Wave::default();
    for answer in futures::future::join_all(requests).await {
        match answer {
            Answer::Ok(value) => *wave.values.entry(value).or_default() += 1,
            Answer::Refused => wave.refused += 1,
            Answer::Failed => wave.errors += 1,
        }
    }
    wave
}
