//! Grader for exercise 06: a pool that sheds load, stops when told, and calls out with
//! timeouts.
//!
//! Shared by the exercise, the solution and the known mistakes (see `ex01_fan_out.rs`).
//! The pool's tests run on paused time, and once on the multi-thread runtime; the
//! client's tests need real sockets and the real clock, bounded at a few seconds.
//!
//! The classes of half-right answers, and where each is caught:
//! * many threads: sixteen handlers submitting at once on eight worker threads; every
//!   accepted job runs exactly once (`every_accepted_job_runs_once_on_many_threads`);
//! * the demo's sizes: eight workers really run eight jobs at once
//!   (`eight_workers_run_eight_jobs_at_once`);
//! * right until shutdown, wrong after: idle and busy workers end at once; a job
//!   submitted after shutdown is refused, never a panic
//!   (`a_job_after_shutdown_is_refused`); dropping the pool ends its workers, none
//!   left spinning on a closed queue (`dropping_the_pool_ends_its_workers`);
//! * silent and slow peers: the client gives up on a server that says nothing and on
//!   one that trickles its body a byte at a time, within a couple of seconds;
//! * the contract: handlers on every thread share the pool, so it must be
//!   `Send + Sync` (checked when this file compiles); `submit` never waits.
//!
//! Not applicable: a caller that drops it (`submit` is not async).

use std::sync::Arc;
use std::time::Duration;

use lessons::kit::grading::{let_tasks_run, paused, threaded, within};
use lessons::kit::{Latency, Narrator, SlowBackend, ms, wait_until};
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

/// Handlers on every worker thread share one pool.
#[allow(dead_code)] // only compiled, never run: the check is the compiler's
fn the_pool_must_be_send_and_sync_because_every_handler_thread_shares_it() {
    fn shared_by_threads<T: Send + Sync>() {}
    shared_by_threads::<Pool>();
}

/// How long the client may take to give up on a peer: "a couple of seconds".
const GIVE_UP_WITHIN: Duration = Duration::from_millis(2_500);

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

#[test]
fn eight_workers_run_eight_jobs_at_once() {
    paused(|| async {
        let running = start(8, 32, ms(10));
        for n in 0..24 {
            assert_eq!(
                running.pool.submit(format!("job {n}")),
                Ok(()),
                "the queue has room"
            );
        }
        tokio::time::sleep(ms(100)).await;
        let stats = running.db.stats();
        assert_eq!(stats.finished, 24, "all 24 jobs should have run: {stats:?}");
        assert_eq!(
            stats.peak_in_flight, 8,
            "8 workers should run 8 jobs at a time, but at most {} ran at once. Is a worker \
             holding the queue's lock while it runs its job? In `while let Some(job) = \
             queue.lock().await.recv().await {{ ... }}` the guard lives until the end of the \
             body: take the job in a statement of its own, so the guard drops first.",
            stats.peak_in_flight
        );
    });
}

#[test]
fn a_job_after_shutdown_is_refused() {
    paused(|| async {
        let running = start(2, 4, ms(10));
        shut_down(&running, ms(20), "the workers did not end after shutdown").await;
        let late = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            running.pool.submit("too late".to_owned())
        }));
        let Ok(answer) = late else {
            panic!(
                "submit panicked after shutdown: a request that arrives while the service \
                 stops would crash its handler. Refuse it with Err(Busy), as for a full queue \
                 (a closed queue is one more way to be unable to take the job)."
            );
        };
        assert_eq!(
            answer,
            Err(Busy),
            "after shutdown no worker will ever run the job: refuse it (Busy), so that the \
             client hears 503 and tries elsewhere, instead of losing it silently"
        );
    });
}

#[test]
fn dropping_the_pool_ends_its_workers() {
    paused(|| async {
        let Running { pool, tracker, .. } = start(3, 4, ms(10));
        #[allow(clippy::drop_non_drop)]
        // the learner's Pool may hold anything: dropping it is the test
        drop(pool);
        let_tasks_run().await;
        tracker.close();
        assert!(
            tracker.is_empty(),
            "the Pool was dropped, so no job can ever arrive, yet {} workers are still alive. \
             When recv() gives None the queue is closed for good: the worker should end, not \
             look again (that spins).",
            tracker.len()
        );
    });
}

#[test]
fn every_accepted_job_runs_once_on_many_threads() {
    threaded(|| async {
        const HANDLERS: usize = 16;
        const JOBS: usize = 200;
        let db = SlowBackend::new("db", Latency::Fixed(Duration::ZERO), &Narrator::quiet());
        let (shutdown, tracker) = (CancellationToken::new(), TaskTracker::new());
        let pool = Arc::new(Pool::start(4, 64, db.clone(), shutdown.clone(), &tracker));
        let handlers: Vec<_> = (0..HANDLERS)
            .map(|handler| {
                let pool = pool.clone();
                tokio::spawn(async move {
                    let mut accepted = 0;
                    for n in 0..JOBS {
                        if pool.submit(format!("{handler}-{n}")).is_ok() {
                            accepted += 1;
                        }
                        tokio::task::yield_now().await;
                    }
                    accepted
                })
            })
            .collect();
        let mut accepted = 0;
        for handler in handlers {
            accepted += handler.await.expect("submit never panics");
        }
        let all_ran = wait_until(Duration::from_secs(5), || db.stats().finished >= accepted).await;
        assert!(
            all_ran,
            "{accepted} jobs were accepted, and after 5 s only {} had run: are the workers \
             still taking jobs?",
            db.stats().finished
        );
        tokio::time::sleep(ms(50)).await;
        let started = db.stats().started;
        assert_eq!(
            started, accepted,
            "{accepted} jobs were accepted from {HANDLERS} handlers on several threads, and {started} \
             ran: every accepted job must run exactly once"
        );
        shutdown.cancel();
    });
}

/// A server on 127.0.0.1 that accepts connections and never answers; its URL.
async fn silent_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let url = format!(
        "http://{}/",
        listener.local_addr().expect("a bound address")
    );
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((connection, _)) = listener.accept().await {
            held.push(connection);
        }
    });
    url
}

/// A server on 127.0.0.1 that answers at once with its headers, then sends a
/// thousand-byte body one byte every 100 ms; its URL.
async fn trickling_server() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let url = format!(
        "http://{}/",
        listener.local_addr().expect("a bound address")
    );
    tokio::spawn(async move {
        while let Ok((mut connection, _)) = listener.accept().await {
            tokio::spawn(async move {
                // The request first (one read holds a GET's head), then the answer.
                let mut request = [0; 4096];
                if connection.read(&mut request).await.is_err() {
                    return;
                }
                let head = "HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n";
                if connection.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                for _ in 0..1000 {
                    tokio::time::sleep(ms(100)).await;
                    if connection.write_all(b".").await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    url
}

/// Calls `url` with the learner's client, reading the whole body, within a bound.
async fn call_within_bound(url: String, peer: &str, hint: &str) {
    let client = upstream_client();
    let started = std::time::Instant::now();
    let call = async { client.get(url).send().await?.bytes().await };
    let outcome = tokio::time::timeout(Duration::from_secs(5), call).await;
    let took = started.elapsed();
    match outcome {
        Ok(Err(error)) => assert!(
            error.is_timeout() && took <= GIVE_UP_WITHIN,
            "against {peer}, the client gave up after {} ms with \"{error}\"; it should time \
             out within {} ms. {hint}",
            took.as_millis(),
            GIVE_UP_WITHIN.as_millis()
        ),
        Ok(Ok(body)) => panic!(
            "{peer} cannot have sent a whole body: got {} bytes",
            body.len()
        ),
        Err(_) => panic!("against {peer}, the call was still going after 5 s. {hint}"),
    }
}

#[tokio::test]
async fn the_upstream_client_gives_up_on_a_silent_server() {
    call_within_bound(
        silent_server().await,
        "a server that accepted the connection and says nothing",
        "A connect timeout does not help here: the connection succeeded. Set a total \
         timeout with .timeout(...) as well.",
    )
    .await;
}

#[tokio::test]
async fn the_upstream_client_gives_up_on_a_trickling_server() {
    call_within_bound(
        trickling_server().await,
        "a server that sends its headers, then a byte every 100 ms",
        "A read timeout does not help here: every byte starts it again. Only a total \
         timeout (.timeout(...)) bounds the whole exchange, body included.",
    )
    .await;
}
