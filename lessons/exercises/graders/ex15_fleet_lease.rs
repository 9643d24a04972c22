//! Grader for exercise 15: a lease in Redis is held by one taker at a time, expires
//! when its holder vanishes, is renewed, released and written only by its holder, and
//! carries a fencing token that no expiry or release starts over.
//!
//! Shared by the exercise, the solution and the known mistakes (see `ex01_fan_out.rs`).
//! Each test starts a `redis-server` of its own (`lessons::kit::RedisServer`, on a Unix
//! socket in a fresh directory), so tests run side by side without meeting, and stops
//! it at the end. A lease's TTL is Redis's clock, so the tests run on the real clock
//! and the multi-thread runtime. Nothing is asserted about how long a step takes: a
//! lease the test lets expire has a TTL of 200 ms and is waited for with a bound of
//! 3 s, or, where the test must know it has ended without taking it, one of 100 ms,
//! waited for two TTLs counted from the moment the step that set it returned (Redis
//! set its expiry before then, so it has ended however busy the machine); a lease that
//! must outlast the test's checks has one of 10 s.
//!
//! Three tests put a rival's move between two round trips of an answer, on every run:
//! the answer's connection goes through a proxy in this file that can hold back its
//! k-th command, for each k past the first, while the test lets the lease expire and
//! has a rival take it. An answer that does its step in one command (one script) is
//! never held; one that checks in one round trip and acts in the next is caught in the
//! gap. Two more hold back `hold_while`'s first renewal until its lease has expired
//! (and, in one of them, been taken): the renewal finds the lease lost while the work
//! still runs.
//!
//! The classes of half-right answers, and where each is caught:
//! * right on one thread, racy on many: a release that checks the holder, then deletes
//!   in a second round trip (`release_is_one_step_a_takeover_cannot_come_between`); a
//!   fencing check made with a GET, then a SET (`a_fenced_write_is_one_step_a_takeover_
//!   cannot_come_between`); a token taken with a second command after the lease
//!   (`acquire_is_one_step_a_rival_cannot_come_between`); many tasks of three replicas
//!   racing for one key (`one_holder_at_a_time_across_three_replicas_on_many_threads`);
//! * right until the lease changes hands, wrong after: a release by a plain DEL, or by
//!   a holder whose id another lease shares
//!   (`a_stale_holder_cannot_release_the_new_holders_lease`); a renewal by a plain
//!   PEXPIRE or SET (`a_stale_holder_cannot_renew_or_steal_the_new_holders_lease`); a
//!   write with no fencing, or with tokens that start over
//!   (`a_stale_holders_write_is_fenced_off`); tokens kept on the lease's key or on a
//!   key that expires with it (`tokens_keep_growing_across_releases_and_expiries`);
//! * right on the demo's sizes, wrong beyond them: tokens compared as strings, which
//!   fence off a stale holder up to token 9 and let token 9 through once the counter
//!   is at 10 (`the_fence_compares_tokens_as_numbers`);
//! * right while the holder lives, wrong when it crashes: a lease taken with no TTL
//!   (`a_crashed_holders_lease_expires_by_itself`);
//! * right on short work, wrong on long: no renewal, or one that does not extend the
//!   lease (`renewing_keeps_the_lease_past_its_ttl`,
//!   `hold_while_keeps_the_lease_through_work_longer_than_its_ttl`);
//! * right while Redis answers at once, wrong when a renewal comes back late and finds
//!   the lease lost: the work dropped and an empty value returned
//!   (`hold_while_finishes_the_work_of_a_lease_lost_to_a_rival`), or the fenced write
//!   skipped though nobody took the lease and the fence would accept it
//!   (`hold_while_writes_the_work_of_a_lapsed_lease_nobody_took`);
//! * right against a Redis that answers, wrong against one that is slow for a moment:
//!   a renewal's timeout ending hold_while with the work dropped
//!   (`hold_while_rides_out_a_renewal_that_fails`);
//! * right when it returns, leaky when its caller drops it: renewals from a spawned
//!   task that the end of the work stops but a drop does not, or the work itself on a
//!   spawned task that runs on, unleased
//!   (`hold_while_dropped_by_its_caller_stops_its_work_and_its_renewals`), and no task
//!   left once it returns (`hold_while_keeps_the_lease_through_work_longer_than_its_ttl`);
//! * the contract: a held lease refused, a released one free at once
//!   (`a_free_lease_is_taken_and_a_held_one_refused`); a lease that lasts its TTL to
//!   the millisecond, taken and renewed, not whole seconds
//!   (`a_lease_lasts_its_ttl_to_the_millisecond`); a write accepted until a newer lease
//!   exists, expired or not (`a_write_is_accepted_until_a_newer_lease_is_handed_out`),
//!   and written with the TTL it was given, not the lease's, not whole seconds
//!   (`a_result_expires_after_the_ttl_it_was_given`); a lost lease's work written
//!   nowhere (`hold_while_with_a_lost_lease_writes_nothing_and_frees_nothing`); the
//!   futures are `Send` (checked when this file compiles).
//!
//! Not applicable: shutdown (a lease ends by its release, its expiry or its holder's
//! drop, each tested above).

use std::future::Future;
use std::io;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lessons::kit::grading::threaded;
use lessons::kit::{RedisMissing, RedisServer, ms};
use redis::RedisResult;
use redis::aio::MultiplexedConnection;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep};

use super::subject::{Finished, Lease, acquire, hold_while};

/// A lease the test lets expire: short, to keep the tests quick.
const SHORT: Duration = ms(200);
/// A lease the test lets expire and then waits two of its TTLs for, rather than
/// trying for it until it comes free: shorter still.
const BRIEF: Duration = ms(100);
/// A lease that is renewed: a third of it (100 ms) between renewals leaves two thirds
/// for a renewal that comes late on a busy machine.
const RENEWED: Duration = ms(300);
/// A lease that must outlast every check of the test.
const LONG: Duration = Duration::from_secs(10);
/// How long the results the tests write last.
const RESULT_TTL: Duration = Duration::from_secs(10);
/// The bound on every wait: fifteen times the longest a right answer needs.
const LIMIT: Duration = Duration::from_secs(3);
/// The pause between two tries for a lease that is held.
const RETRY: Duration = ms(5);

/// Why a step never ended once the proxy let its held command go.
const LET_GO: &str = "the command the test had held back was let go, and the step never \
    returned: is it waiting for something else?";

/// Why a lease never came free: shared by the tests that wait for one to expire.
const NEVER_FREE: &str = "a lease whose holder stops renewing it must expire after its \
    TTL. Take it with an expiry in the same step (`SET key value NX PX ttl`, or a \
    script that sets one), and make sure `renew` extends only the lease it was given, \
    and by its TTL, not for ever.";

// ---------------------------------------------------------------------------------
// The test's Redis, and small helpers around it.

/// This test's own Redis: a `redis-server` started for it alone, stopped with it.
struct Redis {
    server: RedisServer,
}

impl Redis {
    async fn start() -> Redis {
        match RedisServer::start_own().await {
            Ok(server) => Redis { server },
            Err(error) if error.is::<RedisMissing>() => panic!(
                "\nthis grader needs Redis: each test starts a redis-server of its own, and \
                 none is installed. Install it (Debian/Ubuntu: `apt-get install \
                 redis-server`, macOS: `brew install redis`), then grade again.\n"
            ),
            Err(error) => panic!("\ncould not start a redis-server for this test: {error:#}\n"),
        }
    }

    /// A new connection, as a replica of the service would have.
    async fn connect(&self) -> MultiplexedConnection {
        let client = self.server.client().expect("the kit's Redis URL opens");
        let connected = within_limit(
            "connecting to the test's Redis",
            "the redis-server the test started stopped answering",
            client.get_multiplexed_async_connection_with_config(&patient()),
        )
        .await;
        connected.unwrap_or_else(|error| panic!("\ncannot connect to the test's Redis: {error}\n"))
    }
}

/// Connections that wait for an answer as long as the test does: a command the proxy
/// holds back must not time out on the client's default of 500 ms.
fn patient() -> redis::AsyncConnectionConfig {
    redis::AsyncConnectionConfig::new().set_response_timeout(Some(LIMIT))
}

/// Awaits `work`, or fails the test after [`LIMIT`].
async fn within_limit<F: Future>(what: &str, hint: &str, work: F) -> F::Output {
    lessons::kit::grading::within(LIMIT, what, hint, work).await
}

/// The value of a Redis call, or the test fails with its error.
fn answered<T>(result: RedisResult<T>, what: &str) -> T {
    result.unwrap_or_else(|error| {
        panic!(
            "\n{what} failed with a Redis error: {error}\nhint: a script's error names its \
             line; every ARGV arrives as a string (compare strings with strings, or use \
             tonumber), and a Lua false comes back as nil.\n"
        )
    })
}

/// Takes the lease on a key nobody holds; the test fails if it is refused.
async fn take(redis: &mut MultiplexedConnection, key: &str, ttl: Duration) -> Lease {
    let taken = answered(acquire(redis, key, ttl).await, "acquire");
    taken.unwrap_or_else(|| {
        panic!(
            "\nacquire(\"{key}\") returned None, and nobody had ever taken a lease on \
             {key}: a free lease must be taken.\n"
        )
    })
}

/// Takes the lease on `key` as soon as it comes free: when its holder's lease has
/// expired. The test fails, with `hint`, if it is still held after [`LIMIT`].
async fn take_when_free(
    redis: &mut MultiplexedConnection,
    key: &str,
    ttl: Duration,
    hint: &str,
) -> Lease {
    let what = format!("waiting for the lease on {key} to come free");
    within_limit(&what, hint, async {
        loop {
            if let Some(lease) = answered(acquire(redis, key, ttl).await, "acquire") {
                return lease;
            }
            sleep(RETRY).await;
        }
    })
    .await
}

/// B took the lease once A's had expired: B's token must be the greater, or nothing
/// tells A's lease from B's.
fn assert_newer(stale: &Lease, current: &Lease) {
    assert!(
        current.token() > stale.token(),
        "\nA's lease (token {}) expired and B took the lease: B got token {}. Tokens started \
         over when A's lease expired, so A's lease and B's cannot be told apart: A's late \
         write passes the fence, and where the token is also the holder id, A's release and \
         renewal pass for B's.\nhint: keep the counter on a key of its own that never \
         expires and that release never deletes (`fence:{{key}}`, INCR, no PX).\n",
        stale.token(),
        current.token()
    );
}

/// Whether anyone holds the lease on `key` now, asked by trying to take it (with a
/// long TTL: a lease taken this way is held to the end of the test).
async fn someone_holds(redis: &mut MultiplexedConnection, key: &str) -> bool {
    answered(acquire(redis, key, LONG).await, "acquire").is_none()
}

/// The value at `key`, read directly.
async fn get(redis: &mut MultiplexedConnection, key: &str) -> Option<String> {
    let value = redis::cmd("GET").arg(key).query_async(redis).await;
    answered(value, "the test's GET")
}

/// How long `key` has before it expires, in milliseconds (-1: never; -2: no such key).
async fn pttl(redis: &mut MultiplexedConnection, key: &str) -> i64 {
    let left = redis::cmd("PTTL").arg(key).query_async(redis).await;
    answered(left, "the test's PTTL")
}

/// A duration in milliseconds, as Redis's PTTL counts them.
fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).expect("the tests' durations are short")
}

/// Tasks alive on this runtime.
fn alive_tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

/// Every future of the exercise is `Send`: a server runs them on its tasks.
#[allow(dead_code)] // only compiled, never run: the check is the compiler's
fn the_futures_must_be_send_because_they_run_on_tasks(
    redis: &mut MultiplexedConnection,
    lease: Lease,
) {
    fn send<T: Send>(_: T) {}
    send(acquire(redis, "key", SHORT));
    send(lease.renew(redis));
    send(lease.write_fenced(redis, "result", "value", SHORT));
    send(hold_while(redis, lease, "result", SHORT, async {
        String::new()
    }));
}

// ---------------------------------------------------------------------------------
// The proxy that holds a command back.

/// A go-between for one connection and the test's Redis, which can hold back the
/// connection's k-th command: the way to make a rival's move land between two round
/// trips of an answer, on every run.
struct Proxy {
    /// A client whose connections go through the proxy.
    client: redis::Client,
    /// What the proxy has seen, and what it holds back.
    gate: Arc<watch::Sender<Gate>>,
    /// Its listener and the connections it carries, aborted when it is dropped.
    _tasks: JoinSet<()>,
}

/// The proxy's count of commands, and the one it holds back.
#[derive(Debug, Clone, Copy, Default)]
struct Gate {
    /// Whether commands are counted (from `arm`) or only passed on.
    counting: bool,
    /// Commands passed on, or held, since `arm`.
    sent: usize,
    /// Which command to hold back (1 is the first after `arm`).
    hold: Option<usize>,
    /// Whether a command is held back now.
    holding: bool,
}

impl Proxy {
    async fn start(redis: &Redis) -> Proxy {
        let url = redis.server.url();
        let socket = url
            .strip_prefix("redis+unix://")
            .unwrap_or_else(|| panic!("the test's own Redis listens on a Unix socket, not {url}"))
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free local port");
        let address = listener
            .local_addr()
            .expect("a bound listener has an address");
        let gate = Arc::new(watch::Sender::new(Gate::default()));
        let mut tasks = JoinSet::new();
        let shared = Arc::clone(&gate);
        tasks.spawn(async move {
            let mut connections = JoinSet::new();
            while let Ok((client, _)) = listener.accept().await {
                connections.spawn(carry(client, socket.clone(), Arc::clone(&shared)));
            }
        });
        let client = redis::Client::open(format!("redis://{address}/")).expect("a valid URL");
        Proxy {
            client,
            gate,
            _tasks: tasks,
        }
    }

    async fn connect(&self) -> MultiplexedConnection {
        let connected = within_limit(
            "connecting through the test's proxy",
            "the proxy in front of the test's Redis stopped answering",
            self.client
                .get_multiplexed_async_connection_with_config(&patient()),
        )
        .await;
        connected.unwrap_or_else(|error| panic!("\ncannot connect through the proxy: {error}\n"))
    }

    /// A connection through the proxy that gives up on an answer after `patience`, as
    /// a replica's does: a command the proxy holds back longer fails with a timeout.
    async fn connect_impatient(&self, patience: Duration) -> MultiplexedConnection {
        let config = redis::AsyncConnectionConfig::new().set_response_timeout(Some(patience));
        let connected = within_limit(
            "connecting through the test's proxy",
            "the proxy in front of the test's Redis stopped answering",
            self.client
                .get_multiplexed_async_connection_with_config(&config),
        )
        .await;
        connected.unwrap_or_else(|error| panic!("\ncannot connect through the proxy: {error}\n"))
    }

    /// Counts commands from now on, and holds back the `hold`-th, if any.
    fn arm(&self, hold: Option<usize>) {
        self.gate.send_replace(Gate {
            counting: true,
            sent: 0,
            hold,
            holding: false,
        });
    }

    /// Commands seen since `arm`.
    fn sent(&self) -> usize {
        self.gate.borrow().sent
    }

    /// Lets a held command go, and stops counting.
    fn let_go(&self) {
        self.gate.send_replace(Gate::default());
    }

    /// Drives `step` until it finishes, `Some(output)`, or until the proxy holds back
    /// one of its commands, `None` (the step is then waiting for that command).
    async fn until_held<F: Future>(&self, step: Pin<&mut F>, what: &str) -> Option<F::Output> {
        self.until_held_or(step, what, "it neither finished nor sent another command")
            .await
    }

    /// [`Proxy::until_held`], failing with `hint` if the step neither finishes nor sends
    /// the command to hold back.
    async fn until_held_or<F: Future>(
        &self,
        step: Pin<&mut F>,
        what: &str,
        hint: &str,
    ) -> Option<F::Output> {
        let mut gate = self.gate.subscribe();
        within_limit(what, hint, async {
            tokio::select! {
                biased;
                _ = gate.wait_for(|gate| gate.holding) => None,
                output = step => Some(output),
            }
        })
        .await
    }
}

/// Carries one connection between its client and Redis, counting the client's
/// commands and holding one back when the gate says so.
async fn carry(client: TcpStream, socket: String, gate: Arc<watch::Sender<Gate>>) {
    let Ok(redis) = connect_upstream(&socket).await else {
        return;
    };
    let (mut from_client, mut to_client) = client.into_split();
    let (mut from_redis, mut to_redis) = tokio::io::split(redis);
    let commands = async {
        let mut bytes = Vec::new();
        loop {
            while let Some(length) = command_length(&bytes) {
                let command: Vec<u8> = bytes.drain(..length).collect();
                let mut hold = false;
                gate.send_modify(|gate| {
                    if gate.counting {
                        gate.sent += 1;
                        hold = gate.hold == Some(gate.sent);
                        gate.holding |= hold;
                    }
                });
                if hold {
                    let _ = gate.subscribe().wait_for(|gate| !gate.holding).await;
                }
                to_redis.write_all(&command).await?;
            }
            if from_client.read_buf(&mut bytes).await? == 0 {
                return io::Result::Ok(());
            }
        }
    };
    tokio::select! {
        _ = tokio::io::copy(&mut from_redis, &mut to_client) => {}
        _ = commands => {}
    }
}

#[cfg(unix)]
async fn connect_upstream(socket: &str) -> io::Result<impl AsyncRead + AsyncWrite + Send + Unpin> {
    tokio::net::UnixStream::connect(socket).await
}

#[cfg(not(unix))]
async fn connect_upstream(_socket: &str) -> io::Result<TcpStream> {
    Err(io::Error::other(
        "the test's Redis listens on a Unix socket",
    ))
}

/// The length of the first whole command in `bytes`, if it is all there. A client's
/// command is an array of bulk strings: `*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`.
fn command_length(bytes: &[u8]) -> Option<usize> {
    let (count, mut at) = number_after(bytes, 0, b'*')?;
    for _ in 0..count {
        let (length, start) = number_after(bytes, at, b'$')?;
        at = start + length + 2;
    }
    (bytes.len() >= at).then_some(at)
}

/// The number after `marker` at `at`, up to its `\r\n`, and where the next line starts.
fn number_after(bytes: &[u8], at: usize, marker: u8) -> Option<(usize, usize)> {
    let line = bytes.get(at..)?;
    let end = line.windows(2).position(|pair| pair == b"\r\n")?;
    assert_eq!(
        line[0], marker,
        "the proxy reads only what a Redis client sends"
    );
    let number = std::str::from_utf8(&line[1..end]).ok()?.parse().ok()?;
    Some((number, at + end + 2))
}

/// What a test does through the proxy, between two of whose commands a rival moves.
#[derive(Debug, Clone, Copy)]
enum Step {
    Acquire,
    Release,
    Write,
}

/// How many commands `step` sends when nothing comes between: the fewest of two runs,
/// so that a script's first upload (EVALSHA, refused; SCRIPT LOAD; EVALSHA) does not
/// count.
async fn commands_in(
    step: Step,
    proxy: &Proxy,
    through: &mut MultiplexedConnection,
    direct: &mut MultiplexedConnection,
) -> usize {
    let mut fewest = usize::MAX;
    for round in 0..2 {
        let key = format!("{step:?}-counted-{round}");
        let lease = match step {
            Step::Acquire => None,
            Step::Release | Step::Write => Some(take(direct, &key, LONG).await),
        };
        proxy.arm(None);
        match (step, lease) {
            (Step::Acquire, _) => {
                take(through, &key, LONG).await;
            }
            (Step::Release, Some(lease)) => {
                answered(lease.release(through).await, "release");
            }
            (Step::Write, Some(lease)) => {
                let result = format!("cache:{key}");
                answered(
                    lease.write_fenced(through, &result, "v", RESULT_TTL).await,
                    "write_fenced",
                );
            }
            _ => unreachable!("a lease is taken for the steps that need one"),
        }
        fewest = fewest.min(proxy.sent());
        proxy.let_go();
    }
    fewest
}

// ---------------------------------------------------------------------------------
// Taking, refusing, expiring.

#[test]
#[cfg_attr(
    feature = "redis-ignored",
    ignore = "needs redis-server (apt-get install redis-server, or brew install redis): cargo test -p solutions -- --ignored"
)]
fn a_free_lease_is_taken_and_a_held_one_refused() {
    threaded(|| async {
        let redis = Redis::start().await;
        let mut first = redis.connect().await;
        let mut second = redis.connect().await;
        let lease = take(&mut first, "report", LONG).await;
        assert!(
            answered(acquire(&mut second, "report", LONG).await, "acquire").is_none(),
            "\nA held the lease on report, and B's acquire took it too: two holders at once, \
             so two replicas refill the same cache.\nhint: take it only if the key is not \
             there (`SET key value NX PX ttl`, or `EXISTS` in the same script).\n"
        );
        let other = answered(acquire(&mut second, "other", LONG).await, "acquire");
        assert!(
            other.is_some(),
            "\nA held the lease on report, and B could not take the lease on other: a \
             lease is per key.\n"
        );
        let token = lease.token();
        assert!(
            answered(lease.release(&mut first).await, "release"),
            "\nA released the lease it held, and release returned false: it was A's, so it \
             should be deleted, and true returned.\n"
        );
        let next = answered(acquire(&mut second, "report", LONG).await, "acquire");
        let next = next.unwrap_or_else(|| {
            panic!(
                "\nA released the lease on report, and B's acquire right after was refused: \
                 a released lease is free at once.\n"
            )
        });
        assert!(
            next.token() > token,
            "\nA's lease had token {token}; the lease B took after A released it has token \
             {}: each lease handed out for a key needs a greater token than every one before \
             it.\nhint: the counter must outlive every lease: keep it on a key of its own, \
             which neither release nor expiry removes.\n",
            next.token()
        );
    });
}

#[test]
#[cfg_attr(
    feature = "redis-ignored",
    ignore = "needs redis-server (apt-get install redis-server, or brew install redis): cargo test -p solutions -- --ignored"
)]
fn tokens_keep_growing_across_releases_and_expiries() {
    threaded(|| async {
        let redis = Redis::start().await;
        let mut replica = redis.connect().await;
        let first = take(&mut replica, "report", SHORT).await;
        let after_nothing = first.token();
        answered(first.release(&mut replica).await, "release");
        let second = take(&mut replica, "report", SHORT).await;
        let after_release = second.token();
        assert!(
            after_release > after_nothing,
            "\nthe first lease on report had token {after_nothing}; it was released, and the \
             next lease got token {after_release}. Tokens started over when the lease was \
             deleted: the counter lives on the lease's own key.\nhint: keep the counter on \
             a key of its own (`fence:{{key}}`) that release never deletes.\n"
        );
        // Not released: it expires.
        let third = take_when_free(&mut replica, "report", SHORT, NEVER_FREE).await;
        let after_expiry = third.token();
        assert!(
            after_expiry > after_release,
            "\na lease on report had token {after_release}; it expired, and the next lease \
             got token {after_expiry}. Tokens started over when the lease expired: the \
             counter expired with it. Then a holder paused past its TTL holds the same token \
             as the holder after it, and the fence cannot tell them apart.\nhint: the \
             counter's key must never expire: no PX, no PEXPIRE on it.\n"
        );
    });
}

#[test]
#[cfg_attr(
    feature = "redis-ignored",
    ignore = "needs redis-server (apt-get install redis-server, or brew install redis): cargo test -p solutions -- --ignored"
)]
fn a_crashed_holders_lease_expires_by_itself() {
    threaded(|| async {
        let redis = Redis::start().await;
        let mut crashed = redis.connect().await;
        let mut survivor = redis.connect().await;
        let lease = take(&mut crashed, "report", SHORT).await;
        // The holder's replica dies: no renewal, no release, not even its drop code.
        #[allow(clippy::forget_non_drop)] // an answer's `Lease` may have a `Drop`
        std::mem::forget(lease);
        drop(crashed);
        assert!(
            someone_holds(&mut survivor, "report").await,
            "\nA took the lease on report for 200 ms, and B took it too at once: a lease is \
             held until it expires or is released.\n"
        );
        take_when_free(
            &mut survivor,
            "report",
            LONG,
            "the holder of a 200 ms lease crashed (it never renewed or released it), and \
             3 s later its lease was still there: nobody can refill that key again, ever. \
             Take the lease with an expiry in the same step as the take (`SET key value \
             NX PX ttl`, or PX in the script); an expiry set by a second command is lost \
             when the holder dies between the two.",
        )
        .await;
    });
}

#[test]
#[cfg_attr(
    feature = "redis-ignored",
    ignore = "needs redis-server (apt-get install redis-server, or brew install redis): cargo test -p solutions -- --ignored"
)]
fn a_lease_lasts_its_ttl_to_the_millisecond() {
    threaded(|| async {
        let redis = Redis::start().await;
        let mut crashed = redis.connect().await;
        let mut rival = redis.connect().await;
        // Two holders that stop dead (a crash): one right after taking its lease, one
        // right after renewing it. Kept, not dropped: no drop code runs in a crash.
        let _taken = take(&mut crashed, "report", BRIEF).await;
        let renewed = take(&mut crashed, "other", BRIEF).await;
        assert!(
            answered(renewed.renew(&mut crashed).await, "renew"),
            "\nA renewed the lease on other that it had just taken, and renew returned \
             false: the lease is still A's, so renewing it should succeed.\n"
        );
        // Both steps have returned, so Redis set both expiries before now: two TTLs on,
        // both leases have ended, however busy the machine.
        sleep(BRIEF * 2).await;
        let taken_free = answered(acquire(&mut rival, "report", LONG).await, "acquire");
        if taken_free.is_none() {
            // Held past its TTL: for ever (another test's subject), or for too long?
            take_when_free(&mut rival, "report", LONG, NEVER_FREE).await;
        }
        assert!(
            taken_free.is_some(),
            "\nA took a 100 ms lease on report and stopped there (a crash: no renewal, no \
             release); 200 ms after acquire returned, B could not take it, and could only \
             later: the lease lasts longer than its TTL. EX counts whole seconds, and a \
             TTL under one rounded up to 1 s (EX 0 is an error) makes a 100 ms lease last \
             1 s: a crashed holder blocks its key ten times as long as the caller chose, \
             and a TTL of 1.5 s cut to 1 s runs out sooner than the caller planned.\nhint: \
             set the lease's expiry in milliseconds: `PX`, with `ttl.as_millis()`.\n"
        );
        let renewed_free = answered(acquire(&mut rival, "other", LONG).await, "acquire");
        if renewed_free.is_none() {
            take_when_free(&mut rival, "other", LONG, NEVER_FREE).await;
        }
        assert!(
            renewed_free.is_some(),
            "\nA took a 100 ms lease on other, renewed it at once and stopped there (a \
             crash); 200 ms after renew returned, B could not take it, and could only \
             later: the renewal extended the lease past its TTL. EXPIRE counts whole \
             seconds: a renewal of a 100 ms lease that sets 1 s blocks the key ten times \
             as long once its holder is gone.\nhint: renew with `PEXPIRE key ttl`, the \
             TTL in milliseconds.\n"
        );
    });
}

#[test]
#[cfg_attr(
    feature = "redis-ignored",
    ignore = "needs redis-server (apt-get install redis-server, or brew install redis): cargo test -p solutions -- --ignored"
)]
fn renewing_keeps_the_lease_past_its_ttl() {
    threaded(|| async {
        let redis = Redis::start().await;
        let mut holder = redis.connect().await;
        let mut rival = redis.connect().await;
        let lease = take(&mut holder, "report", RENEWED).await;
        // Seven renewals a quarter of the TTL apart: nearly two TTLs in all.
        for renewal in 1..=7 {
            sleep(RENEWED / 4).await;
            assert!(
                answered(lease.renew(&mut holder).await, "renew"),
                "\nA renewed its 300 ms lease every 75 ms, and renewal {renewal} returned \
                 false: the lease is still A's, so renewing it should succeed.\n"
            );
            assert!(
                someone_holds(&mut rival, "report").await,
                "\nA renewed its 300 ms lease every 75 ms, and after renewal {renewal} B \
                 took it: the renewals did not extend it.\nhint: renew sets the lease's \
                 expiry to its TTL from now (PEXPIRE key ttl, in milliseconds), on the key \
                 acquire set.\n"
            );
        }
    });
}

// ---------------------------------------------------------------------------------
// A holder whose lease has expired, and the holder after it.

#[test]
#[cfg_attr(
    feature = "redis-ignored",
    ignore = "needs redis-server (apt-get install redis-server, or brew install redis): cargo test -p solutions -- --ignored"
)]
fn a_stale_holder_cannot_release_the_new_holders_lease() {
    threaded(|| async {
        let redis = Redis::start().await;
        let mut stale = redis.connect().await;
        let mut newer = redis.connect().await;
        let lease = take(&mut stale, "report", SHORT).await;
        // A is paused past its TTL; B takes the lease.
        let current = take_when_free(&mut newer, "report", LONG, NEVER_FREE).await;
        assert_newer(&lease, &current);
        let released = answered(lease.release(&mut stale).await, "release");
        let kept = someone_holds(&mut newer, "report").await;
        assert!(
            kept && !released,
            "\nA's lease expired and B took the lease; then A, late, released its lease: \
             release returned {released}, and B's lease was {}.\nhint: release must delete \
             the lease only if it is still A's: compare the lease's value with A's holder \
             id and delete in one script (a plain DEL deletes whoever's lease is there). \
             And the holder id must be unique to each lease: an id two leases share (the \
             process id, the host name, a constant) lets A's check pass on B's lease.\n",
            if kept {
                "kept"
            } else {
                "gone: anyone could take it now"
            }
        );
        assert!(
            answered(current.release(&mut newer).await, "release"),
            "\nB released the lease it holds, and release returned false.\n"
        );
    });
}

#[test]
#[cfg_attr(
    feature = "redis-ignored",
    ignore = "needs redis-server (apt-get install redis-server, or brew install redis): cargo test -p solutions -- --ignored"
)]
fn a_stale_holder_cannot_renew_or_steal_the_new_holders_lease() {
    threaded(|| async {
        let redis = Redis::start().await;
        let mut stale = redis.connect().await;
        let mut newer = redis.connect().await;
        let lease = take(&mut stale, "report", SHORT).await;
        let current = take_when_free(&mut newer, "report", LONG, NEVER_FREE).await;
        assert_newer(&lease, &current);
        let renewed = answered(lease.renew(&mut stale).await, "renew");
        assert!(
            !renewed,
            "\nA's lease expired and B took the lease; then A, late, renewed: renew returned \
             true, so A goes on as if it held the lease, and a plain PEXPIRE (or SET) has \
             just extended (or taken) B's.\nhint: renew must extend the lease only if it \
             is still A's: compare the lease's value with A's holder id and PEXPIRE in \
             one script, and return false when they differ. The holder id must be unique \
             to each lease, or B's lease looks like A's.\n"
        );
        assert!(
            answered(current.release(&mut newer).await, "release"),
            "\nA's lease expired and B took the lease; A renewed (renew returned false), and \
             then B could not release its own lease: A's renewal overwrote it.\nhint: \
             renew must not write the lease's value, only its expiry, and only if the value \
             is A's.\n"
        );
    });
}

#[test]
#[cfg_attr(
    feature = "redis-ignored",
    ignore = "needs redis-server (apt-get install redis-server, or brew install redis): cargo test -p solutions -- --ignored"
)]
fn a_stale_holders_write_is_fenced_off() {
    threaded(|| async {
        let redis = Redis::start().await;
        let mut stale = redis.connect().await;
        let mut newer = redis.connect().await;
        let lease = take(&mut stale, "report", SHORT).await;
        let current = take_when_free(&mut newer, "report", LONG, NEVER_FREE).await;
        assert_newer(&lease, &current);
        let written = answered(
            lease
                .write_fenced(&mut stale, "cache:report", "stale", RESULT_TTL)
                .await,
            "write_fenced",
        );
        let value = get(&mut newer, "cache:report").await;
        assert!(
            !written && value.is_none(),
            "\nA's lease (token {}) expired and B took the lease (token {}); then A, late, \
             wrote its result: write_fenced returned {written}, and cache:report holds \
             {value:?}. A stale holder's result overwrote (or would overwrite) the newer \
             holder's.\nhint: in one script, compare A's token with the key's counter (the \
             last token handed out) and write only if they are equal. Tokens that start over \
             after an expiry make A's token equal to B's: keep the counter on a key that \
             never expires.\n",
            lease.token(),
            current.token()
        );
        assert!(
            answered(
                current
                    .write_fenced(&mut newer, "cache:report", "fresh", RESULT_TTL)
                    .await,
                "write_fenced"
            ),
            "\nB holds the newest lease on report, and its write was refused: the fence must \
             let the newest lease write.\n"
        );
        assert_eq!(
            get(&mut newer, "cache:report").await.as_deref(),
            Some("fresh"),
            "B's write returned true, so cache:report should hold B's value"
        );
    });
}

#[test]
#[cfg_attr(
    feature = "redis-ignored",
    ignore = "needs redis-server (apt-get install redis-server, or brew install redis): cargo test -p solutions -- --ignored"
)]
fn the_fence_compares_tokens_as_numbers() {
    threaded(|| async {
        let redis = Redis::start().await;
        let mut stale = redis.connect().await;
        let mut newer = redis.connect().await;
        // Leases taken and released until one has token 9: the next one's has a digit
        // more.
        let mut lease = take(&mut stale, "report", SHORT).await;
        for _ in 0..20 {
            if lease.token() >= 9 {
                break;
            }
            answered(lease.release(&mut stale).await, "release");
            lease = take(&mut stale, "report", SHORT).await;
        }
        let current = take_when_free(&mut newer, "report", LONG, NEVER_FREE).await;
        assert_newer(&lease, &current);
        let written = answered(
            lease
                .write_fenced(&mut stale, "cache:report", "stale", RESULT_TTL)
                .await,
            "write_fenced",
        );
        let value = get(&mut newer, "cache:report").await;
        assert!(
            !written && value.is_none(),
            "\nA's lease (token {}) expired and B took the lease (token {}); then A, late, \
             wrote its result: write_fenced returned {written}, and cache:report holds \
             {value:?}. The fence let an older token through once the counter had a digit \
             more: it compares the tokens as text. In Lua, `<` and `>` on two strings go \
             character by character, and \"10\" < \"9\", as \"100\" < \"99\": a fleet \
             passes token 10 in its first minutes, and from then on stale writes land.\n\
             hint: GET and ARGV are both strings. Test them for equality (`~=`: only the \
             newest token may write), or compare numbers (`tonumber` on both).\n",
            lease.token(),
            current.token()
        );
    });
}

#[test]
#[cfg_attr(
    feature = "redis-ignored",
    ignore = "needs redis-server (apt-get install redis-server, or brew install redis): cargo test -p solutions -- --ignored"
)]
fn a_write_is_accepted_until_a_newer_lease_is_handed_out() {
    threaded(|| async {
        let redis = Redis::start().await;
        let mut replica = redis.connect().await;
        let lease = take(&mut replica, "report", SHORT).await;
        let written = answered(
            lease
                .write_fenced(&mut replica, "cache:report", "first", RESULT_TTL)
                .await,
            "write_fenced",
        );
        assert!(
            written,
            "\nA holds the only lease ever handed out for report, and its write was refused.\n"
        );
        assert_eq!(
            get(&mut replica, "cache:report").await.as_deref(),
            Some("first"),
            "write_fenced returned true, so cache:report should hold the value written"
        );
        let left = pttl(&mut replica, "cache:report").await;
        assert!(
            left > 0 && left <= 10_000,
            "\nA wrote cache:report with a TTL of 10 s, and Redis says it expires in {left} ms \
             (-1: never): a cached value must expire, or it is never refreshed.\nhint: SET \
             result value PX ttl, in the same script as the check.\n"
        );
        // A's lease runs out; nobody takes one after it.
        sleep(SHORT * 2).await;
        let written = answered(
            lease
                .write_fenced(&mut replica, "cache:report", "second", RESULT_TTL)
                .await,
            "write_fenced",
        );
        assert!(
            written,
            "\nA's lease expired, and no lease on report was handed out after it; A's write \
             was refused. Its token is still the newest: no one else can be computing this \
             value, and the write must be accepted.\nhint: the fence compares A's token \
             with the last token handed out for the key, not A's holder id with the lease's \
             value: the token, not the TTL, says whether a newer holder exists.\n"
        );
        assert_eq!(
            get(&mut replica, "cache:report").await.as_deref(),
            Some("second"),
            "write_fenced returned true, so cache:report should hold the value written"
        );
    });
}

#[test]
#[cfg_attr(
    feature = "redis-ignored",
    ignore = "needs redis-server (apt-get install redis-server, or brew install redis): cargo test -p solutions -- --ignored"
)]
fn a_result_expires_after_the_ttl_it_was_given() {
    threaded(|| async {
        let redis = Redis::start().await;
        let mut replica = redis.connect().await;
        // A lease of 10 s, and results of 1.9 s and of 10 s: a TTL taken from the lease,
        // or cut to whole seconds, shows in the first.
        let lease = take(&mut replica, "report", LONG).await;
        for ttl in [ms(1_900), RESULT_TTL] {
            let written = answered(
                lease
                    .write_fenced(&mut replica, "cache:report", "fresh", ttl)
                    .await,
                "write_fenced",
            );
            assert!(
                written,
                "\nA holds the only lease ever handed out for report, and its write was \
                 refused.\n"
            );
            let left = pttl(&mut replica, "cache:report").await;
            let asked = millis(ttl);
            assert!(
                left > asked * 3 / 4 && left <= asked,
                "\nA, holding a lease of 10 s, wrote cache:report with write_fenced and a ttl \
                 of {asked} ms; right after, Redis says it expires in {left} ms (-1: \
                 never). The result's TTL is the caller's: how long a value may be served \
                 before it is refilled. Written with the lease's TTL, it lives as long as \
                 the refill's lease, not as the cache asked; in whole seconds (EX), 1.9 s \
                 is cut to 1 s, and a TTL under a second is EX 0, which Redis refuses.\n\
                 hint: in the script, `SET result value PX ttl`, with write_fenced's own \
                 `ttl` argument in milliseconds (`ttl.as_millis()`).\n"
            );
        }
    });
}

// ---------------------------------------------------------------------------------
// One step each: a rival's move between two round trips.

#[test]
#[cfg_attr(
    feature = "redis-ignored",
    ignore = "needs redis-server (apt-get install redis-server, or brew install redis): cargo test -p solutions -- --ignored"
)]
fn acquire_is_one_step_a_rival_cannot_come_between() {
    threaded(|| async {
        let redis = Redis::start().await;
        let proxy = Proxy::start(&redis).await;
        let mut through = proxy.connect().await;
        let mut direct = redis.connect().await;
        let commands = commands_in(Step::Acquire, &proxy, &mut through, &mut direct).await;
        for held in 2..=commands {
            let key = format!("report-{held}");
            proxy.arm(Some(held));
            let mut step = pin!(acquire(&mut through, &key, SHORT));
            let what = format!("A's acquire, its command {held} held back");
            if proxy.until_held(step.as_mut(), &what).await.is_some() {
                proxy.let_go();
                continue;
            }
            // Between two of A's commands, B takes the lease (once A's, if it had one,
            // has expired).
            let current = take_when_free(&mut direct, &key, LONG, NEVER_FREE).await;
            proxy.let_go();
            let late = answered(within_limit(&what, LET_GO, step).await, "acquire");
            let newest = answered(
                current
                    .write_fenced(&mut direct, &format!("cache:{key}"), "fresh", RESULT_TTL)
                    .await,
                "write_fenced",
            );
            assert!(
                newest,
                "\nA's acquire sent {commands} commands; the test held back command {held} \
                 until B had taken the lease. Then A's acquire returned {}, and B, which \
                 holds the lease, could not write: A got a newer token than B's ({}), for a \
                 lease that is B's.\nhint: take the lease and its token in one step: one \
                 script that sets the lease (NX PX) and INCRs the counter, so that nothing \
                 comes between them.\n",
                match &late {
                    Some(lease) => format!("a lease with token {}", lease.token()),
                    None => "None".to_owned(),
                },
                current.token()
            );
            assert!(
                answered(current.release(&mut direct).await, "release"),
                "\nA's acquire sent {commands} commands; the test held back command {held} \
                 until B had taken the lease. Then B could not release its lease: A's \
                 acquire overwrote it.\nhint: take the lease only if the key is not there, \
                 in one step (NX, or EXISTS in the same script).\n"
            );
        }
    });
}

#[test]
#[cfg_attr(
    feature = "redis-ignored",
    ignore = "needs redis-server (apt-get install redis-server, or brew install redis): cargo test -p solutions -- --ignored"
)]
fn release_is_one_step_a_takeover_cannot_come_between() {
    threaded(|| async {
        let redis = Redis::start().await;
        let proxy = Proxy::start(&redis).await;
        let mut through = proxy.connect().await;
        let mut direct = redis.connect().await;
        let commands = commands_in(Step::Release, &proxy, &mut through, &mut direct).await;
        for held in 2..=commands {
            let key = format!("report-{held}");
            let lease = take(&mut direct, &key, SHORT).await;
            proxy.arm(Some(held));
            let mut step = pin!(lease.release(&mut through));
            let what = format!("A's release, its command {held} held back");
            if proxy.until_held(step.as_mut(), &what).await.is_some() {
                proxy.let_go();
                continue;
            }
            // While A's release waits, A's lease expires and B takes it.
            let current = take_when_free(&mut direct, &key, LONG, NEVER_FREE).await;
            proxy.let_go();
            answered(within_limit(&what, LET_GO, step).await, "release");
            assert!(
                someone_holds(&mut direct, &key).await,
                "\nA's release sent {commands} commands; the test held back command {held} \
                 while A's lease expired and B took it. Then A's release went on, and \
                 deleted B's lease: A checked that the lease was its own in one round trip \
                 and deleted it in the next, and in between it had become B's.\nhint: \
                 compare and delete in one script: `if redis.call('GET', KEYS[1]) == \
                 ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`.\n"
            );
            answered(current.release(&mut direct).await, "release");
        }
    });
}

#[test]
#[cfg_attr(
    feature = "redis-ignored",
    ignore = "needs redis-server (apt-get install redis-server, or brew install redis): cargo test -p solutions -- --ignored"
)]
fn a_fenced_write_is_one_step_a_takeover_cannot_come_between() {
    threaded(|| async {
        let redis = Redis::start().await;
        let proxy = Proxy::start(&redis).await;
        let mut through = proxy.connect().await;
        let mut direct = redis.connect().await;
        let commands = commands_in(Step::Write, &proxy, &mut through, &mut direct).await;
        for held in 2..=commands {
            let key = format!("report-{held}");
            let result = format!("cache:{key}");
            let lease = take(&mut direct, &key, SHORT).await;
            proxy.arm(Some(held));
            let mut step = pin!(lease.write_fenced(&mut through, &result, "stale", RESULT_TTL));
            let what = format!("A's write_fenced, its command {held} held back");
            if proxy.until_held(step.as_mut(), &what).await.is_some() {
                proxy.let_go();
                continue;
            }
            if get(&mut direct, &result).await.is_some() {
                // The write came before the held command: nothing can come between.
                proxy.let_go();
                answered(within_limit(&what, LET_GO, step).await, "write_fenced");
                continue;
            }
            // While A's write waits, A's lease expires and B takes it.
            let current = take_when_free(&mut direct, &key, LONG, NEVER_FREE).await;
            proxy.let_go();
            let written = answered(within_limit(&what, LET_GO, step).await, "write_fenced");
            let value = get(&mut direct, &result).await;
            assert!(
                value.is_none() && !written,
                "\nA's write_fenced sent {commands} commands; the test held back command \
                 {held} while A's lease expired and B took it (token {}, after A's {}). Then \
                 A's write went on: it returned {written}, and {result} holds {value:?}. The \
                 check passed in one round trip and the write landed in the next, after a \
                 newer lease was handed out.\nhint: check the token and write in one script: \
                 Redis runs a script with nothing else in between.\n",
                current.token(),
                lease.token()
            );
        }
    });
}

// ---------------------------------------------------------------------------------
// hold_while.

#[test]
#[cfg_attr(
    feature = "redis-ignored",
    ignore = "needs redis-server (apt-get install redis-server, or brew install redis): cargo test -p solutions -- --ignored"
)]
fn hold_while_keeps_the_lease_through_work_longer_than_its_ttl() {
    threaded(|| async {
        let redis = Redis::start().await;
        let mut holder = redis.connect().await;
        let mut rival = redis.connect().await;
        let lease = take(&mut holder, "report", RENEWED).await;
        let token = lease.token();
        let (finish, finished) = oneshot::channel::<()>();
        let work = async move {
            let _ = finished.await;
            "fresh".to_owned()
        };
        // The rival tries for the lease for three and a third TTLs, then lets the work
        // end: the work outlasts the lease's TTL three times over.
        let rival_tries = async {
            let started = Instant::now();
            let mut took = None;
            while started.elapsed() < RENEWED * 10 / 3 {
                if let Some(lease) = answered(acquire(&mut rival, "report", LONG).await, "acquire")
                {
                    took = Some((started.elapsed(), lease.token()));
                    break;
                }
                sleep(ms(10)).await;
            }
            let _ = finish.send(());
            took
        };
        let before = alive_tasks();
        let (done, took) = within_limit(
            "hold_while, with work of 1 s",
            "it did not return once its work had ended",
            async {
                tokio::join!(
                    hold_while(&mut holder, lease, "cache:report", RESULT_TTL, work),
                    rival_tries
                )
            },
        )
        .await;
        if let Some((at, rival_token)) = took {
            panic!(
                "\nhold_while ran work of 1 s under a lease of 300 ms, and {} ms into the \
                 work a rival took the lease (token {rival_token}): a second replica now \
                 does the same work.\nhint: renew the lease every third of its TTL for as \
                 long as the work runs: a ticker (`tokio::time::interval`) raced against \
                 the work in a `select!` loop, each tick calling renew.\n",
                at.as_millis()
            );
        }
        let done = answered(done, "hold_while");
        assert_eq!(
            done,
            Finished {
                value: "fresh".to_owned(),
                written: true
            },
            "hold_while held the lease throughout, so the work's value should be written"
        );
        assert_eq!(
            get(&mut rival, "cache:report").await.as_deref(),
            Some("fresh"),
            "hold_while said the value was written: cache:report should hold it"
        );
        let next = answered(acquire(&mut rival, "report", LONG).await, "acquire");
        let next = next.unwrap_or_else(|| {
            panic!(
                "\nhold_while returned, and the lease was still held: the next refill waits \
                 for it to expire.\nhint: release the lease once the value is written.\n"
            )
        });
        assert!(next.token() > token, "the next lease's token is greater");
        let left = within_limit(
            "the tasks hold_while started, after it returned",
            "hold_while returned, and a task it started is still running: a renewal task \
             that nothing stops, renewing a lease that is gone. Keep the renewals in \
             hold_while's own future (a select! between the work and a ticker), or stop the \
             task before returning.",
            async {
                while alive_tasks() > before {
                    sleep(RETRY).await;
                }
            },
        );
        left.await;
    });
}

#[test]
#[cfg_attr(
    feature = "redis-ignored",
    ignore = "needs redis-server (apt-get install redis-server, or brew install redis): cargo test -p solutions -- --ignored"
)]
fn hold_while_dropped_by_its_caller_stops_its_work_and_its_renewals() {
    threaded(|| async {
        let redis = Redis::start().await;
        let mut holder = redis.connect().await;
        let mut rival = redis.connect().await;
        let lease = take(&mut holder, "report", RENEWED).await;
        // The work keeps one end of a channel: the other end hears when it is dropped.
        let (alive, dropped) = oneshot::channel::<()>();
        let work = async move {
            let _alive = alive;
            std::future::pending::<String>().await
        };
        let held = hold_while(&mut holder, lease, "cache:report", RESULT_TTL, work);
        // Its caller gives up after two TTLs (a timeout around the refill, a client
        // gone): the future is dropped, its work unfinished.
        let outcome = tokio::time::timeout(RENEWED * 2, held).await;
        assert!(outcome.is_err(), "work that never ends cannot finish");
        let gone = tokio::time::timeout(LIMIT, dropped).await.is_ok();
        assert!(
            gone,
            "\nhold_while was dropped by its caller, its work unfinished, and 3 s later the \
             work was still alive: it runs on a task of its own, which dropping hold_while \
             does not stop. Nothing hold_while starts may outlive it: the work goes on with \
             no lease, the lease expires, another replica takes it and starts the same \
             work, and two refills run at once, the stampede the lease was for.\nhint: \
             poll the work in hold_while's own future (`pin!(work)`, raced against the \
             ticker in a `select!` loop), not on a spawned task; a task that must be \
             spawned goes in a `tokio_util::task::AbortOnDropHandle`.\n"
        );
        take_when_free(
            &mut rival,
            "report",
            LONG,
            "hold_while was dropped by its caller, work unfinished, and its 300 ms lease was \
             still held 3 s later: something hold_while started renews it still. Dropping \
             a future stops what is inside it, not the tasks it spawned: a renewal task \
             stopped only when the work ends, or by a flag set after it, runs for ever once \
             the future is dropped. Keep the ticker in hold_while's own select! loop.",
        )
        .await;
    });
}

#[test]
#[cfg_attr(
    feature = "redis-ignored",
    ignore = "needs redis-server (apt-get install redis-server, or brew install redis): cargo test -p solutions -- --ignored"
)]
fn hold_while_with_a_lost_lease_writes_nothing_and_frees_nothing() {
    threaded(|| async {
        let redis = Redis::start().await;
        let mut stale = redis.connect().await;
        let mut newer = redis.connect().await;
        let lease = take(&mut stale, "report", SHORT).await;
        let current = take_when_free(&mut newer, "report", LONG, NEVER_FREE).await;
        assert_newer(&lease, &current);
        let done = within_limit(
            "hold_while, with work that returns at once",
            "it did not return once its work had ended",
            hold_while(&mut stale, lease, "cache:report", RESULT_TTL, async {
                "late".to_owned()
            }),
        )
        .await;
        let done = answered(done, "hold_while");
        let value = get(&mut newer, "cache:report").await;
        assert!(
            !done.written && value.is_none(),
            "\nA's lease had expired and B held the lease when A's hold_while ended its \
             work: it returned {done:?}, and cache:report holds {value:?}.\nhint: \
             hold_while writes with write_fenced, and reports what it returned.\n"
        );
        assert_eq!(
            done.value, "late",
            "the work's value is returned, written or not"
        );
        assert!(
            someone_holds(&mut newer, "report").await,
            "\nA's hold_while, whose lease had expired, ended by releasing B's lease.\nhint: \
             hold_while releases with release, which deletes only A's own lease.\n"
        );
        answered(current.release(&mut newer).await, "release");
    });
}

/// Starts hold_while through `proxy` on `lease` (of `ttl`), with work that ends when the
/// returned sender says, and drives it until the proxy holds back its first command:
/// its first renewal, a third of the TTL in. Returns hold_while, still running.
async fn hold_while_at_its_first_renewal<'a>(
    proxy: &Proxy,
    through: &'a mut MultiplexedConnection,
    lease: Lease,
    ttl: Duration,
) -> (
    Pin<Box<dyn Future<Output = RedisResult<Finished>> + Send + 'a>>,
    oneshot::Sender<()>,
) {
    let (finish, finished) = oneshot::channel::<()>();
    let work = async move {
        let _ = finished.await;
        "fresh".to_owned()
    };
    proxy.arm(Some(1));
    let mut step = Box::pin(hold_while(through, lease, "cache:report", RESULT_TTL, work));
    let what = format!(
        "hold_while, with work longer than its {} ms lease, until its first renewal",
        ttl.as_millis()
    );
    let early = proxy
        .until_held_or(
            step.as_mut(),
            &what,
            "hold_while sent nothing to Redis while its work outlasted its lease: renew \
             the lease every third of its TTL for as long as the work runs",
        )
        .await;
    if let Some(done) = early {
        panic!(
            "\nhold_while returned {done:?} while its work was still running, before it had \
             sent anything to Redis.\nhint: hold_while awaits the work to its end, however \
             long it takes, renewing the lease meanwhile.\n"
        );
    }
    (step, finish)
}

/// Runs hold_while through a proxy on a 100 ms lease and holds back its first renewal
/// until `meanwhile` has run: the renewal reaches Redis once the lease has expired,
/// and finds it lost. Then the work ends. Returns what hold_while returned, and what
/// `meanwhile` did.
async fn hold_while_renewed_late<M: Future>(redis: &Redis, meanwhile: M) -> (Finished, M::Output) {
    let proxy = Proxy::start(redis).await;
    let mut through = proxy.connect().await;
    let lease = take(&mut through, "report", BRIEF).await;
    let (step, finish) = hold_while_at_its_first_renewal(&proxy, &mut through, lease, BRIEF).await;
    let meanwhile = meanwhile.await;
    proxy.let_go();
    let _ = finish.send(());
    let done = within_limit(
        "hold_while, once its late renewal had been let go and its work had ended",
        "it did not return once its work had ended",
        step,
    )
    .await;
    (answered(done, "hold_while"), meanwhile)
}

#[test]
#[cfg_attr(
    feature = "redis-ignored",
    ignore = "needs redis-server (apt-get install redis-server, or brew install redis): cargo test -p solutions -- --ignored"
)]
fn hold_while_finishes_the_work_of_a_lease_lost_to_a_rival() {
    threaded(|| async {
        let redis = Redis::start().await;
        let mut direct = redis.connect().await;
        // While A's first renewal is on its way, A's lease expires and B takes it.
        let rival = take_when_free(&mut direct, "report", LONG, NEVER_FREE);
        let (done, current) = hold_while_renewed_late(&redis, rival).await;
        assert_eq!(
            done.value, "fresh",
            "\nA's hold_while sent its first renewal, and the test held it back until A's \
             100 ms lease had expired and B had taken it: the renewal found the lease lost. \
             Then A's work ended with \"fresh\", and hold_while returned {done:?}, without \
             the work's value. A lost lease is not renewed again, and the work goes on: its \
             value is what the caller is waiting for, written or not, and the fence alone \
             decides whether it is written.\nhint: when renew returns false, stop renewing \
             (a flag in the ticker's `select!` guard: `if held`) and keep awaiting the work; \
             then write with write_fenced, and return the value.\n"
        );
        let value = get(&mut direct, "cache:report").await;
        assert!(
            !done.written && value.is_none(),
            "\nA's renewal found its lease lost to B, which holds a newer one (token {}); \
             A's work went on and ended: hold_while returned {done:?}, and cache:report \
             holds {value:?}. A value computed under a lease that B now holds got past the \
             fence.\nhint: hold_while writes with write_fenced, and reports what it \
             returned.\n",
            current.token()
        );
        assert!(
            someone_holds(&mut direct, "report").await,
            "\nA's hold_while, whose lease B had taken while A's renewal was on its way, \
             ended with B's lease gone.\nhint: hold_while releases with release, which \
             deletes only A's own lease; and a renewal that arrives once B holds the lease \
             must leave it B's: renew extends the lease only while it is still A's, and \
             never sets it.\n"
        );
        answered(current.release(&mut direct).await, "release");
    });
}

#[test]
#[cfg_attr(
    feature = "redis-ignored",
    ignore = "needs redis-server (apt-get install redis-server, or brew install redis): cargo test -p solutions -- --ignored"
)]
fn hold_while_writes_the_work_of_a_lapsed_lease_nobody_took() {
    threaded(|| async {
        let redis = Redis::start().await;
        let mut direct = redis.connect().await;
        // While A's first renewal is on its way, A's lease expires; nobody takes it. (An
        // async block: the two TTLs start once the renewal is held, after the take.)
        let lapse = async { sleep(BRIEF * 2).await };
        let (done, ()) = hold_while_renewed_late(&redis, lapse).await;
        assert_eq!(
            done.value, "fresh",
            "\nA's hold_while sent its first renewal, and the test held it back until A's \
             100 ms lease had expired (nobody took it): the renewal found the lease lost. \
             Then A's work ended with \"fresh\", and hold_while returned {done:?}, without \
             the work's value. A lost lease is not renewed again, and the work goes on: its \
             value is what the caller is waiting for, and the fence decides whether it is \
             written.\nhint: when renew returns false, stop renewing (a flag in the \
             ticker's `select!` guard: `if held`) and keep awaiting the work; then write \
             with write_fenced, and return the value.\n"
        );
        assert!(
            done.written,
            "\nA's hold_while sent its first renewal, and the test held it back until A's \
             100 ms lease had expired; nobody took the lease. The renewal found the lease \
             lost, A's work went on and ended, and hold_while returned {done:?}: it did not \
             write. No lease was handed out after A's, so A's token is still the newest: \
             nobody else is computing this value, and the fence accepts it. A failed \
             renewal says that a newer holder may exist, not that one does: only the fence \
             knows, and throwing the value away leaves the cache empty until someone does \
             the whole work again.\nhint: once the work ends, always try write_fenced, and \
             report what it returned.\n"
        );
        assert_eq!(
            get(&mut direct, "cache:report").await.as_deref(),
            Some("fresh"),
            "hold_while said the value was written: cache:report should hold it"
        );
    });
}

#[test]
#[cfg_attr(
    feature = "redis-ignored",
    ignore = "needs redis-server (apt-get install redis-server, or brew install redis): cargo test -p solutions -- --ignored"
)]
fn hold_while_rides_out_a_renewal_that_fails() {
    threaded(|| async {
        let redis = Redis::start().await;
        let proxy = Proxy::start(&redis).await;
        // Answers slower than 50 ms are errors on this connection: the held renewal
        // fails with a timeout, as on a replica whose Redis is away for a moment.
        let mut through = proxy.connect_impatient(ms(50)).await;
        let lease = take(&mut through, "report", RENEWED).await;
        let (mut step, finish) =
            hold_while_at_its_first_renewal(&proxy, &mut through, lease, RENEWED).await;
        // The held renewal times out at 50 ms; Redis stays away for 300 ms in all.
        if let Ok(done) = tokio::time::timeout(RENEWED, step.as_mut()).await {
            panic!(
                "\nhold_while's first renewal failed with a Redis error (no answer within \
                 the connection's 50 ms), while its work still ran; hold_while then \
                 returned {done:?}, and the work was dropped half-done. A renewal error says \
                 that Redis did not answer this once, not that the lease is lost, and the \
                 work is what the caller waits for.\nhint: on an error from renew, keep the \
                 work going and try again at the next tick; stop renewing only when renew \
                 answers false.\n"
            );
        }
        proxy.let_go();
        let _ = finish.send(());
        let done = within_limit(
            "hold_while, once Redis answered again and its work had ended",
            "it did not return once its work had ended",
            step,
        )
        .await;
        let done = done.unwrap_or_else(|error| {
            panic!(
                "\nRedis was away for 300 ms while hold_while's work ran, then answered \
                 again; the work ended, and hold_while failed with {error}.\nhint: a \
                 renewal that fails is tried again at the next tick; once the work ends, \
                 write with write_fenced and release as usual.\n"
            )
        });
        assert_eq!(
            done,
            Finished {
                value: "fresh".to_owned(),
                written: true
            },
            "\nRedis was away for 300 ms while hold_while's work ran; nobody took the lease \
             meanwhile, so its token is still the newest and the value must be written.\n"
        );
    });
}

// ---------------------------------------------------------------------------------
// Many threads.

#[test]
#[cfg_attr(
    feature = "redis-ignored",
    ignore = "needs redis-server (apt-get install redis-server, or brew install redis): cargo test -p solutions -- --ignored"
)]
fn one_holder_at_a_time_across_three_replicas_on_many_threads() {
    threaded(|| async {
        let redis = Redis::start().await;
        let holding = Arc::new(AtomicUsize::new(0));
        let overlaps = Arc::new(AtomicUsize::new(0));
        let tokens = Arc::new(Mutex::new(Vec::new()));
        let budget = Instant::now() + ms(800);
        let mut takers = JoinSet::new();
        for _replica in 0..3 {
            // A replica's tasks share its one connection, as handlers do.
            let connection = redis.connect().await;
            for _ in 0..6 {
                let mut connection = connection.clone();
                let holding = Arc::clone(&holding);
                let overlaps = Arc::clone(&overlaps);
                let tokens = Arc::clone(&tokens);
                takers.spawn(async move {
                    while Instant::now() < budget && tokens.lock().unwrap().len() < 120 {
                        let Some(lease) = acquire(&mut connection, "hot", LONG).await? else {
                            sleep(ms(1)).await;
                            continue;
                        };
                        if holding.fetch_add(1, Ordering::SeqCst) > 0 {
                            overlaps.fetch_add(1, Ordering::SeqCst);
                        }
                        tokens.lock().unwrap().push(lease.token());
                        tokio::task::yield_now().await;
                        holding.fetch_sub(1, Ordering::SeqCst);
                        if !lease.release(&mut connection).await? {
                            return Ok(false);
                        }
                    }
                    RedisResult::Ok(true)
                });
            }
        }
        within_limit(
            "18 tasks of 3 replicas taking turns at one lease",
            "a lease was never freed: does release delete it?",
            async {
                while let Some(joined) = takers.join_next().await {
                    let released = joined
                        .unwrap_or_else(|failed| std::panic::resume_unwind(failed.into_panic()));
                    assert!(
                        answered(released, "acquire or release"),
                        "\na holder released the lease it held, and release returned false.\n"
                    );
                }
            },
        )
        .await;
        let overlaps = overlaps.load(Ordering::SeqCst);
        let tokens = tokens.lock().unwrap().clone();
        assert!(
            overlaps == 0,
            "\n18 tasks on 8 threads, in 3 replicas, took turns at one lease: {overlaps} times \
             a task took it while another held it. Two replicas refilled the same key at \
             once.\nhint: a check (GET, EXISTS) and a SET in two round trips let two takers \
             both see the key free: take it in one step (`SET key value NX PX ttl`, or one \
             script).\n"
        );
        assert!(
            tokens.len() >= 10,
            "\n18 tasks took turns at one lease for 800 ms and took it only {} times: each \
             release should free it at once for the next taker.\n",
            tokens.len()
        );
        let out_of_order = tokens.windows(2).find(|pair| pair[0] >= pair[1]);
        assert!(
            out_of_order.is_none(),
            "\nthe leases handed out one after another carried tokens {:?}: a token must be \
             greater than every token before it, or the fence lets an older holder write \
             over a newer one.\n",
            &tokens[..tokens.len().min(12)]
        );
    });
}
