//! Sending the load: exactly N GETs, never more than C in flight, each with a deadline.
//!
//! One client serves the whole run and keeps its connections open between requests,
//! as a real client would. It ignores proxy settings, follows no redirect and resolves
//! `localhost` to loopback addresses itself: whatever the environment or the server
//! says, nothing this tool sends leaves the machine.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use futures::StreamExt;
use futures::stream;
use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode, Url};

use crate::plan::LoadPlan;

/// What became of one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The server answered, with this status, after this long (body included).
    Answered {
        status: StatusCode,
        latency: Duration,
    },
    /// No complete answer within the request's timeout.
    TimedOut,
    /// The request failed otherwise (refused connection, reset, bad response).
    Failed { reason: String },
}

/// Every request's outcome, in the order they completed, and how long the run took.
#[derive(Debug)]
pub struct LoadRun {
    /// One outcome per request sent.
    pub outcomes: Vec<Outcome>,
    /// From the first request sent to the last outcome.
    pub elapsed: Duration,
}

/// Sends the plan's requests and waits for every one of them to end.
pub async fn send_all(plan: &LoadPlan) -> Result<LoadRun> {
    let client = client(plan)?;
    let started = Instant::now();
    // `buffer_unordered` keeps at most `concurrency` requests in flight and starts the
    // next one as soon as any ends: steady pressure, not waves.
    let outcomes = stream::iter(0..plan.requests)
        .map(|_| send_one(&client, &plan.url))
        .buffer_unordered(plan.concurrency)
        .collect()
        .await;
    Ok(LoadRun {
        outcomes,
        elapsed: started.elapsed(),
    })
}

/// One GET, timed until its body has been read: a slow body is a slow answer.
async fn send_one(client: &Client, url: &Url) -> Outcome {
    let started = Instant::now();
    let answer = async {
        let response = client.get(url.clone()).send().await?;
        let status = response.status();
        response.bytes().await?;
        Ok::<_, reqwest::Error>(status)
    };
    match answer.await {
        Ok(status) => Outcome::Answered {
            status,
            latency: started.elapsed(),
        },
        Err(error) if error.is_timeout() => Outcome::TimedOut,
        Err(error) => Outcome::Failed {
            // The whole chain: reqwest's own message only says "error sending request".
            reason: format!("{:#}", anyhow::Error::from(error)),
        },
    }
}

/// The run's client: the plan's timeout on every request, and no way off loopback.
fn client(plan: &LoadPlan) -> Result<Client> {
    // Port 0 here means "the URL's port".
    let loopback = [
        SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        SocketAddr::from((Ipv6Addr::LOCALHOST, 0)),
    ];
    Client::builder()
        .timeout(plan.timeout)
        .no_proxy()
        .redirect(Policy::none())
        .resolve_to_addrs("localhost", &loopback)
        .pool_max_idle_per_host(plan.concurrency)
        .build()
        .context("building the HTTP client")
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::Router;
    use axum::extract::State;
    use axum::http::StatusCode as AxumStatus;
    use axum::routing::get;
    use lessons::kit::TestServer;

    use super::*;
    use crate::plan::{Command, parse};
    use crate::summary::Summary;

    /// A plan made the way the command line makes it, limits included.
    fn plan(url: &str, requests: usize, concurrency: usize, timeout_ms: u64) -> LoadPlan {
        let args = [
            url.to_owned(),
            "--requests".to_owned(),
            requests.to_string(),
            "--concurrency".to_owned(),
            concurrency.to_string(),
            "--timeout-ms".to_owned(),
            timeout_ms.to_string(),
        ];
        match parse(args).unwrap() {
            Command::Run(plan) => plan,
            Command::Help(_) => panic!("no help was asked for"),
        }
    }

    /// What the test server saw: requests in all, in flight now, and the most at once.
    #[derive(Clone, Default)]
    struct Seen {
        total: Arc<AtomicUsize>,
        in_flight: Arc<AtomicUsize>,
        most_in_flight: Arc<AtomicUsize>,
    }

    /// Every fourth request fails with a 500; each takes 5 ms so that requests overlap.
    async fn mostly_fine(State(seen): State<Seen>) -> AxumStatus {
        let number = seen.total.fetch_add(1, Ordering::SeqCst) + 1;
        let now = seen.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        seen.most_in_flight.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(5)).await;
        seen.in_flight.fetch_sub(1, Ordering::SeqCst);
        if number % 4 == 0 {
            AxumStatus::INTERNAL_SERVER_ERROR
        } else {
            AxumStatus::OK
        }
    }

    async fn too_slow() -> &'static str {
        tokio::time::sleep(Duration::from_secs(5)).await;
        "late"
    }

    async fn start(seen: &Seen) -> TestServer {
        let router = Router::new()
            .route("/mostly-fine", get(mostly_fine))
            .route("/too-slow", get(too_slow))
            .with_state(seen.clone());
        TestServer::start(router).await.unwrap()
    }

    #[tokio::test]
    async fn every_request_is_sent_once_and_counted_by_status() {
        let seen = Seen::default();
        let server = start(&seen).await;
        let run = send_all(&plan(&server.url("/mostly-fine"), 40, 8, 2000))
            .await
            .unwrap();
        let summary = Summary::new(&run);
        assert_eq!(
            seen.total.load(Ordering::SeqCst),
            40,
            "the server's own count"
        );
        assert_eq!(summary.requests, 40);
        assert_eq!(summary.answered, 40, "{summary}");
        assert_eq!(
            (summary.status_2xx, summary.status_5xx),
            (30, 10),
            "{summary}"
        );
        assert_eq!((summary.timeouts, summary.errors), (0, 0), "{summary}");
        server.shutdown().await.unwrap();
    }

    #[tokio::test]
    async fn no_more_than_the_concurrency_is_ever_in_flight() {
        let seen = Seen::default();
        let server = start(&seen).await;
        send_all(&plan(&server.url("/mostly-fine"), 60, 6, 2000))
            .await
            .unwrap();
        let most = seen.most_in_flight.load(Ordering::SeqCst);
        assert!(
            most <= 6,
            "{most} requests were in flight at once, allowed 6"
        );
        assert!(
            most >= 2,
            "the requests never overlapped: they went one by one"
        );
        server.shutdown().await.unwrap();
    }

    #[tokio::test]
    async fn an_answer_later_than_the_timeout_counts_as_a_timeout() {
        let seen = Seen::default();
        let server = start(&seen).await;
        let run = send_all(&plan(&server.url("/too-slow"), 3, 3, 100))
            .await
            .unwrap();
        let summary = Summary::new(&run);
        assert_eq!((summary.timeouts, summary.answered), (3, 0), "{summary}");
        assert!(
            run.elapsed < Duration::from_secs(2),
            "the run waited for the slow answers: {:?}",
            run.elapsed
        );
        // Dropped, not shut down: a graceful shutdown would wait for the slow handlers.
        drop(server);
    }

    #[tokio::test]
    async fn a_port_nobody_listens_on_gives_errors() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let run = send_all(&plan(&format!("http://{addr}/"), 3, 1, 2000))
            .await
            .unwrap();
        let summary = Summary::new(&run);
        assert_eq!((summary.errors, summary.answered), (3, 0), "{summary}");
    }
}
