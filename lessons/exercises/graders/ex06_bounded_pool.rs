//! Grader for exercise 06: a pool that sheds load, stops when told, and calls out with
//! timeouts.
//!
//! Shared by the exercise, the solution and the known mistakes (see `ex01_fan_out.rs`).
//! The pool's tests run on paused time; the client's test needs a real socket and the
//! real clock, bounded at a few seconds.

use std::time::Duration;

use lessons::kit::grading::{let_tasks_run, paused, within};
use lessons::kit::{Latency, Narrator, SlowBackend, ms};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::subject::{Busy, Pool, upstream_client};

/// A started pool, its database, and what stops it.
struct Running {
    pool: Pool,
    db: SlowBackend,
    shutdown: CancellationToken,
    tracker: TaskTracker,
}

fn start(workers: usize, capacity: usize, job_takes: Duration) -> Running {
    let db = SlowBackend::new("db", Latency::Fixed(job_takes), &Narrator::quiet());
    let shutdown = CancellationToken::new();
    let tracker = TaskTracker::new();
    let pool = Pool::start(workers, capacity, db.clone(), shutdown.clone(), &tracker);
    Running {
        pool,
        db,
        shutdown,
        tracker,
    }
}

/// Cancels `shutdown` and gives the workers `limit` to be gone.
async fn shut_down(running: &Running, limit: Duration, hint: &str) {
    running.shutdown.cancel();
    running.tracker.close();
    within(
        limit,
        "waiting for the workers after shutdown",
        hint,
        running.tracker.wait(),
    )
    .await;
}

#[test]
fn every_worker_runs_on_the_tracker() {
    paused(|| async {
        let running = start(3, 10, ms(10));
        assert_eq!(
            running.tracker.len(),
            3,
            "start each of the 3 workers with tracker.spawn"
        );
    });
}

#[test]
fn jobs_run_on_as_many_workers_as_asked() {
    paused(|| async {
        let running = start(3, 10, ms(10));
        for n in 0..9 {
            assert_eq!(
                running.pool.submit(format!("job {n}")),
                Ok(()),
                "the queue has room"
            );
        }
        tokio::time::sleep(ms(100)).await;
        let stats = running.db.stats();
        assert_eq!(stats.finished, 9, "all 9 jobs should have run: {stats:?}");
        assert_eq!(
            stats.peak_in_flight, 3,
            "3 workers should run 3 jobs at a time: {stats:?}"
        );
    });
}

#[test]
fn a_full_queue_answers_busy_at_once() {
    paused(|| async {
        let running = start(1, 2, Duration::from_secs(1));
        assert_eq!(running.pool.submit("first".to_owned()), Ok(()));
        let_tasks_run().await; // the worker takes the first job
        let answers: Vec<_> = (0..5)
            .map(|n| running.pool.submit(format!("job {n}")))
            .collect();
        assert_eq!(
            answers,
            [Ok(()), Ok(()), Err(Busy), Err(Busy), Err(Busy)],
            "with the one worker busy and room for 2 in the queue, the next 2 jobs fit and \
             the 3 after them are refused with Busy, at once"
        );
    });
}

#[test]
fn shutdown_ends_idle_workers() {
    paused(|| async {
        let running = start(2, 4, ms(10));
        tokio::time::sleep(ms(10)).await;
        shut_down(
            &running,
            ms(20),
            "idle workers did not end: a worker waiting on `recv()` wakes only when the \
             queue closes, and the Pool still holds its sender. Race the wait against \
             `shutdown` (tokio::select!, or shutdown.run_until_cancelled).",
        )
        .await;
    });
}

#[test]
fn shutdown_ends_busy_workers_mid_job() {
    paused(|| async {
        let running = start(2, 4, Duration::from_secs(1));
        for n in 0..2 {
            let _ = running.pool.submit(format!("job {n}"));
        }
        tokio::time::sleep(ms(10)).await;
        shut_down(
            &running,
            ms(20),
            "busy workers finished their one-second jobs before ending: race each job \
             against `shutdown` too",
        )
        .await;
        assert_eq!(
            running.db.stats().cancelled,
            2,
            "both jobs should be dropped mid-way"
        );
    });
}

#[tokio::test]
async fn the_upstream_client_gives_up_on_a_silent_server() {
    // A server that accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let url = format!(
        "http://{}/",
        listener.local_addr().expect("a bound address")
    );
    let _silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((connection, _)) = listener.accept().await {
            held.push(connection);
        }
    });
    let client = upstream_client();
    let call = tokio::time::timeout(Duration::from_secs(5), client.get(url).send()).await;
    match call {
        Ok(Err(error)) => assert!(error.is_timeout(), "expected a timeout error, got {error}"),
        Ok(Ok(response)) => panic!(
            "the silent server cannot have answered: {}",
            response.status()
        ),
        Err(_) => panic!(
            "the request was still waiting after 5 s. A connect timeout does not help here: \
             the connection succeeded. Set a total timeout with .timeout(...) as well."
        ),
    }
}
