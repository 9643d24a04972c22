//! A real Redis for the fleet lesson and its exercise, started and stopped like the
//! in-process test server.
//!
//! The fleet's coalescing lives in Redis, so it is taught on Redis itself, not on a
//! stand-in: [`RedisServer::start`] runs `redis-server` as a child process listening on
//! a Unix socket in a fresh temporary directory (no port to race for, nothing reachable
//! from outside), with persistence off, and waits until it answers. Dropping it kills
//! the process and removes the directory. `REDIS_URL` points the lesson at a Redis of
//! your own instead; that one is never stopped.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::process::{Child, Command};

/// How to get `redis-server`, in one line: what a lesson prints before it exits 2.
pub const REDIS_INSTALL_HINT: &str = "this needs Redis: install it (Debian/Ubuntu: `apt-get install redis-server`, macOS: `brew install redis`) or set REDIS_URL to a Redis you run";

/// A started Redis takes this long at most to answer its first PING.
const STARTUP_PATIENCE: Duration = Duration::from_secs(5);

/// Why there is no Redis to use: `redis-server` is not installed (and no `REDIS_URL`).
/// Lessons and graders print [`REDIS_INSTALL_HINT`] for it and stop.
#[derive(Debug)]
pub struct RedisMissing;

impl std::fmt::Display for RedisMissing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(REDIS_INSTALL_HINT)
    }
}

impl std::error::Error for RedisMissing {}

/// A Redis the course talks to: one it started (and will stop), or yours.
///
/// ```no_run
/// use lessons::kit::RedisServer;
///
/// # #[tokio::main] async fn main() -> anyhow::Result<()> {
/// let redis = RedisServer::start().await?;
/// let mut connection = redis.client()?.get_multiplexed_async_connection().await?;
/// let pong: String = redis::cmd("PING").query_async(&mut connection).await?;
/// assert_eq!(pong, "PONG");
/// # Ok(()) }
/// ```
pub struct RedisServer {
    /// Where it listens, as a URL the `redis` crate opens.
    url: String,
    /// The child process, if this Redis is ours; `None` once stopped, or for yours.
    process: Option<Child>,
    /// The temporary directory holding the socket, removed on drop.
    directory: Option<PathBuf>,
}

impl RedisServer {
    /// The Redis at `REDIS_URL` if it is set, or a new `redis-server` of our own.
    /// Fails with [`RedisMissing`] when neither is there.
    pub async fn start() -> anyhow::Result<Self> {
        match std::env::var("REDIS_URL") {
            Ok(url) if !url.is_empty() => {
                let server = RedisServer {
                    url,
                    process: None,
                    directory: None,
                };
                server
                    .wait_until_ready()
                    .await
                    .context("REDIS_URL is set, but that Redis does not answer")?;
                Ok(server)
            }
            _ => Self::start_own().await,
        }
    }

    /// A new `redis-server`, ours alone, on a socket in a temporary directory.
    pub async fn start_own() -> anyhow::Result<Self> {
        let directory = fresh_directory()?;
        let socket = directory.join("redis.sock");
        let spawned = Command::new("redis-server")
            .args(["--port", "0", "--unixsocket"])
            .arg(&socket)
            .args([
                "--unixsocketperm",
                "700",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .arg("--dir")
            .arg(&directory)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // A lesson that panics or is interrupted takes its Redis with it.
            .kill_on_drop(true)
            .spawn();
        let process = match spawned {
            Ok(process) => process,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let _ = std::fs::remove_dir_all(&directory);
                return Err(RedisMissing.into());
            }
            Err(error) => return Err(error).context("starting redis-server"),
        };
        let server = RedisServer {
            url: format!("redis+unix://{}", socket.display()),
            process: Some(process),
            directory: Some(directory),
        };
        server
            .wait_until_ready()
            .await
            .context("redis-server started but does not answer")?;
        Ok(server)
    }

    /// The URL a client opens, e.g. `redis+unix:///tmp/.../redis.sock`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A client for this Redis (it connects only when asked for a connection).
    pub fn client(&self) -> anyhow::Result<redis::Client> {
        redis::Client::open(self.url.as_str()).context("opening the Redis URL")
    }

    /// Whether the lesson can stop this Redis: only the one it started.
    pub fn is_ours(&self) -> bool {
        self.process.is_some()
    }

    /// Kills our Redis at once, as a crash would (no goodbye to its clients), and
    /// waits for the process to be gone. Refused for a Redis given by `REDIS_URL`.
    pub async fn kill(&mut self) -> anyhow::Result<()> {
        let Some(mut process) = self.process.take() else {
            bail!("this Redis was not started by the course: it is not ours to stop");
        };
        process.kill().await.context("killing redis-server")?;
        Ok(())
    }

    /// Polls with PING until the server answers, for at most [`STARTUP_PATIENCE`].
    async fn wait_until_ready(&self) -> anyhow::Result<()> {
        let client = self.client()?;
        let started = tokio::time::Instant::now();
        loop {
            let ping = async {
                let mut connection = client.get_multiplexed_async_connection().await?;
                redis::cmd("PING")
                    .query_async::<String>(&mut connection)
                    .await
            };
            match tokio::time::timeout(Duration::from_millis(500), ping).await {
                Ok(Ok(_)) => return Ok(()),
                Ok(Err(error)) if started.elapsed() > STARTUP_PATIENCE => {
                    return Err(error).context(format!("no answer from {}", self.url));
                }
                Err(_) if started.elapsed() > STARTUP_PATIENCE => {
                    bail!("no answer from {} within {STARTUP_PATIENCE:?}", self.url)
                }
                _ => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if let Some(process) = &mut self.process {
            let _ = process.start_kill();
        }
        if let Some(directory) = &self.directory {
            let _ = std::fs::remove_dir_all(directory);
        }
    }
}

/// A new, empty directory under the system's temporary one, named for this process
/// and a counter, so that parallel tests each get their own.
fn fresh_directory() -> anyhow::Result<PathBuf> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let name = format!(
        "course-redis-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let directory = std::env::temp_dir().join(name);
    let _ = std::fs::remove_dir_all(&directory);
    std::fs::create_dir_all(&directory).context("creating a directory for redis-server")?;
    Ok(directory)
}
