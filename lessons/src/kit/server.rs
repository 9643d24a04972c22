//! The in-process test server: Go's `httptest.NewServer`, for axum.
//!
//! A lesson builds a router, starts it here on 127.0.0.1 with a port the OS picks,
//! talks to it over a real socket with reqwest, and shuts it down. Nothing listens
//! beyond loopback, nothing outlives the lesson.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use reqwest::StatusCode;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tower_http::trace::TraceLayer;

use super::Narrator;
use super::connections::{CountingListener, OpenConnections};

/// An axum router served on a loopback port, with a client to call it.
///
/// Dropping the server asks it to shut down; [`TestServer::shutdown`] also waits.
///
/// ```
/// use axum::{Router, routing::get};
/// use lessons::kit::TestServer;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
/// let server = TestServer::start(Router::new().route("/", get(|| async { "Hello" }))).await?;
/// let (status, body) = server.get("/").await?;
/// assert_eq!((status.as_u16(), body.as_str()), (200, "Hello"));
/// server.shutdown().await?;
/// # Ok(()) }
/// ```
pub struct TestServer {
    /// Where the server listens: 127.0.0.1 and the port the OS gave it.
    addr: SocketAddr,
    /// A client with timeouts, for calling the server.
    client: reqwest::Client,
    /// How many connections are open: each request's closes right after its response.
    connections: OpenConnections,
    /// Cancelled to start a graceful shutdown.
    stop: CancellationToken,
    /// The task running `axum::serve`; taken by `shutdown`.
    serving: Option<JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    /// Serves `router` on 127.0.0.1 on a free port.
    pub async fn start(router: Router) -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .context("binding a loopback port")?;
        let addr = listener.local_addr()?;
        let (listener, connections) = CountingListener::new(listener);
        let stop = CancellationToken::new();
        // axum spawns a task of its own to watch the shutdown signal, the first time
        // the server runs. Lessons take their task-count baseline right after
        // `start`, so wait until that task exists: it reports in when first polled.
        let (watching_tx, watching_rx) = oneshot::channel();
        let shutdown_signal = {
            let stop = stop.clone();
            async move {
                let _ = watching_tx.send(());
                stop.cancelled().await;
            }
        };
        // A span per request, for `RUST_LOG=debug` (silent otherwise).
        let router = router.layer(TraceLayer::new_for_http());
        let serving = tokio::spawn(
            axum::serve(listener, router)
                .with_graceful_shutdown(shutdown_signal)
                .into_future(),
        );
        watching_rx
            .await
            .context("the server task ended before it started serving")?;
        Ok(TestServer {
            addr,
            client: client(),
            connections,
            stop,
            serving: Some(serving),
        })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The full URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Waits up to `within` for every connection to the server to close, and returns
    /// how many are still open. A request is over, for the server, once its
    /// connection has closed.
    pub async fn connections_closed(&self, within: Duration) -> usize {
        self.connections.all_closed(within).await
    }

    /// The client lessons use to call the server.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// `GET path`, returning the status and the body as text.
    pub async fn get(&self, path: &str) -> anyhow::Result<(StatusCode, String)> {
        let response = self
            .client
            .get(self.url(path))
            .send()
            .await
            .with_context(|| format!("GET {path}"))?;
        let status = response.status();
        let body = response.text().await?;
        Ok((status, body))
    }

    /// Keeps serving until Ctrl-C (the lessons' `--serve`), then shuts down.
    pub async fn serve_until_ctrl_c(
        self,
        narrator: &Narrator,
        routes: &[&str],
    ) -> anyhow::Result<()> {
        narrator.say(
            "server",
            format!("serving on http://{} (Ctrl-C stops)", self.addr),
        );
        for route in routes {
            narrator.explain(format!("curl -s {}", self.url(route)));
        }
        let signal = stop_signal().await?;
        narrator.say("server", format!("{signal}: shutting down"));
        self.shutdown().await
    }

    /// Stops accepting, lets open connections finish, and waits for the server task.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        self.stop.cancel();
        if let Some(serving) = self.serving.take() {
            serving.await.context("the server task panicked")??;
        }
        Ok(())
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        // Dropping a JoinHandle would leave the server running: cancel it instead.
        self.stop.cancel();
    }
}

/// Waits for Ctrl-C, or on Unix for SIGTERM too (what `kill` and a container
/// runtime send); returns which came.
async fn stop_signal() -> anyhow::Result<&'static str> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate()).context("listening for SIGTERM")?;
        tokio::select! {
            ctrl_c = tokio::signal::ctrl_c() => ctrl_c.map(|()| "Ctrl-C").context("waiting for Ctrl-C"),
            _ = terminate.recv() => Ok("SIGTERM"),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c()
            .await
            .context("waiting for Ctrl-C")?;
        Ok("Ctrl-C")
    }
}

/// The client every lesson uses.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        // A lesson must never hang on its own server.
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(10))
        // No idle connections: each response closes its connection, so the server's
        // per-connection task ends with the request and task counts stay honest.
        .pool_max_idle_per_host(0)
        .build()
        .expect("a client with plain HTTP and timeouts always builds")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::TaskGauge;
    use axum::routing::get;

    #[tokio::test]
    async fn shutdown_leaves_no_task_behind() {
        let gauge = TaskGauge::new();
        let server = TestServer::start(Router::new().route("/", get(|| async { "ok" })))
            .await
            .unwrap();
        assert_eq!(server.get("/").await.unwrap().1, "ok");
        server.shutdown().await.unwrap();
        assert_eq!(gauge.settle(Duration::from_secs(2)).await, 0);
    }

    #[tokio::test]
    async fn dropping_the_server_stops_it() {
        let server = TestServer::start(Router::new().route("/", get(|| async { "ok" })))
            .await
            .unwrap();
        let url = server.url("/");
        drop(server);
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(
            client().get(url).send().await.is_err(),
            "still answering after drop"
        );
    }
}
