//! The command contract, checked on the real binaries: every lesson runs by itself,
//! narrates with time stamps, exits 0, and ends with a parseable `result:` line; and
//! what it prints still matches the copy the book shows (see `recorded`).

use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use lessons::kit::Report;

mod recorded;

/// Far above a lesson's few seconds: only a hung lesson gets near it.
const HANG_GUARD: Duration = Duration::from_secs(30);

/// One lesson at a time: each measures real time on a real clock, and two running
/// side by side on a small machine would disturb each other's figures.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Runs a lesson binary with a fixed seed and returns its standard output.
fn run_lesson(binary: &str) -> String {
    // A test that failed while holding the lock poisons it; the next may still run.
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut child = Command::new(binary)
        .args(["--seed", "7"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the lesson binary was built by cargo test");
    let started = Instant::now();
    while child.try_wait().expect("waiting on the lesson").is_none() {
        if started.elapsed() > HANG_GUARD {
            let _ = child.kill();
            panic!("{binary} still running after {HANG_GUARD:?}: a lesson must end by itself");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child
        .wait_with_output()
        .expect("reading the lesson's output");
    let stdout = String::from_utf8(output.stdout).expect("lessons print UTF-8");
    assert!(
        output.status.success(),
        "{binary} exited with {}:\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Checks the shape every lesson's output shares, and returns its result line.
fn check_contract(binary: &str) -> Report {
    check_contract_recorded_as(binary, binary)
}

/// The same, against the recording named after `recording` instead of the binary.
fn check_contract_recorded_as(binary: &str, recording: &str) -> Report {
    let stdout = run_lesson(binary);
    recorded::record_or_compare(recording, &stdout);
    let last = stdout.lines().last().unwrap_or_default();
    let report = Report::parse(last)
        .unwrap_or_else(|| panic!("{binary}: the last line is not a result line: {last:?}"));
    let stamped = stdout
        .lines()
        .filter(|line| line.starts_with('[') && line.contains(" ms] "))
        .count();
    assert!(
        stamped >= 3,
        "{binary}: expected time-stamped narration, got:\n{stdout}"
    );
    report
}

#[test]
fn lesson_00_serves_and_shuts_down_cleanly() {
    let report = check_contract(env!("CARGO_BIN_EXE_00_test_server"));
    assert_eq!(report.number("status"), 200);
    assert_eq!(report.number("tasks_after_shutdown"), 0);
}

#[test]
fn lesson_01_reports_the_three_timings() {
    let report = check_contract(env!("CARGO_BIN_EXE_01_naive_fanout"));
    assert_eq!(report.number("calls"), 4);
    assert!(
        report.number("sequential_ms") > report.number("concurrent_ms"),
        "{report}"
    );
}

#[test]
fn lesson_02_shows_the_leak() {
    let report = check_contract(env!("CARGO_BIN_EXE_02_timeout_leak"));
    assert!(report.number("leaked_tasks") > 0, "{report}");
    assert!(report.number("work_after_response") > 0, "{report}");
}

#[test]
fn lesson_03_shows_no_leak() {
    let report = check_contract(env!("CARGO_BIN_EXE_03_timeout_fixed"));
    assert_eq!(report.number("leaked_tasks"), 0, "{report}");
    assert_eq!(report.number("work_after_response"), 0, "{report}");
}

#[test]
fn lesson_04_reports_the_rules() {
    let report = check_contract(env!("CARGO_BIN_EXE_04_cancellation"));
    assert!(report.flag("parent_cancels_child"), "{report}");
    assert_eq!(report.number("leaked_tasks"), 0, "{report}");
}

#[test]
fn lesson_05_shows_tasks_and_memory_climbing() {
    let report = check_contract(env!("CARGO_BIN_EXE_05_leaky_logger"));
    assert!(report.number("leaked_tasks") > 0, "{report}");
    // The sink is stalled during each burst, so the 300 extra requests of the large
    // burst each leave exactly one more line or one more parked sender.
    assert_eq!(
        report.number("queue_400"),
        report.number("queue_100") + 300,
        "every extra request should add a line to the unbounded queue: {report}"
    );
    assert_eq!(
        report.number("parked_senders_400"),
        report.number("parked_senders_100") + 300,
        "every extra request should add a sender parked on the bounded queue: {report}"
    );
    assert_eq!(
        report.number("leaked_tasks"),
        report.number("parked_senders_400"),
        "the senders parked by the last burst are still there at the end: {report}"
    );
}

#[test]
fn lesson_06_stays_bounded() {
    let report = check_contract(env!("CARGO_BIN_EXE_06_logger_fixed"));
    let capacity = report.number("queue_capacity");
    assert_eq!(report.number("leaked_tasks"), 0, "{report}");
    assert!(report.number("queue_400") <= capacity, "{report}");
    // The stalled writer holds one line and the queue the next `capacity`: every other
    // line of the burst is dropped and counted.
    for n in [100, 400] {
        assert_eq!(
            report.number(&format!("dropped_{n}")) + capacity + 1,
            n,
            "every line past the queue's room should be counted as dropped: {report}"
        );
    }
    assert_eq!(
        report.number("audit_dropped"),
        100,
        "into a full queue and a stalled sink, every audit line waits, then is dropped: {report}"
    );
    assert_eq!(
        report.number("flushed"),
        capacity,
        "every line queued at the cancel should be written by the flush: {report}"
    );
}

#[test]
fn lesson_07_leaves_workers_and_hung_calls() {
    use lessons::scenarios::workers::{BURST, QUEUE_CAPACITY, WORKERS};
    let report = check_contract(env!("CARGO_BIN_EXE_07_unbounded_workers"));
    let shut_out = (BURST - QUEUE_CAPACITY) as u64;
    assert_eq!(
        report.number("accepted"),
        QUEUE_CAPACITY as u64,
        "with both workers busy, the queue's room is all the burst finds: {report}"
    );
    assert_eq!(
        report.number("waiting_peak"),
        shut_out,
        "every job past the queue's room waits in its handler: {report}"
    );
    assert_eq!(
        report.number("gave_up"),
        shut_out,
        "every client whose handler waited gives up: {report}"
    );
    assert_eq!(
        report.number("hung_upstream_calls"),
        (BURST / 10) as u64,
        "every call to the hung upstream is still waiting: {report}"
    );
    assert!(
        report.number("leaked_tasks") >= (WORKERS + BURST / 10) as u64,
        "the workers and every hung call outlive the server: {report}"
    );
}

#[test]
fn lesson_08_leaves_nothing() {
    use lessons::scenarios::workers::{BURST, QUEUE_CAPACITY, WORKERS};
    let report = check_contract(env!("CARGO_BIN_EXE_08_workers_fixed"));
    assert_eq!(
        report.number("accepted"),
        QUEUE_CAPACITY as u64,
        "with both workers busy, the queue's room is all the burst finds: {report}"
    );
    assert_eq!(
        report.number("shed_503"),
        (BURST - QUEUE_CAPACITY) as u64,
        "every job past the queue's room is told 503 at once: {report}"
    );
    assert_eq!(
        report.number("gave_up"),
        0,
        "no client is left waiting: {report}"
    );
    assert_eq!(
        report.number("upstream_504"),
        (BURST / 10) as u64,
        "the client's timeout turns every hung call into a 504: {report}"
    );
    assert_eq!(
        report.number("jobs_cut_short"),
        WORKERS as u64,
        "the token stops the jobs under way, not only the idle workers: {report}"
    );
    assert_eq!(report.number("workers_left"), 0, "{report}");
    assert_eq!(report.number("leaked_tasks"), 0, "{report}");
}

#[test]
fn lesson_09_coalesces_and_survives_failures() {
    let report = check_contract(env!("CARGO_BIN_EXE_09_singleflight"));
    // On the paused clock the article's demo is exact: 10 callers, 3 flights.
    assert_eq!(report.number("callers"), 10, "{report}");
    assert_eq!(report.number("executions"), 3, "{report}");
    assert_eq!(report.number("shared_results"), 10, "{report}");
    assert_eq!(report.number("flights_left"), 0, "{report}");
}

#[test]
fn lesson_10_coalesces_safely() {
    let report = check_contract(env!("CARGO_BIN_EXE_10_singleflight_middleware"));
    assert_eq!(report.number("backend_calls"), 1, "{report}");
    for key in [
        "cross_host_replays",
        "conditional_replays",
        "identity_replays",
        "cookies_replayed",
    ] {
        assert_eq!(report.number(key), 0, "{key}: {report}");
    }
    assert_eq!(report.number("sessions_issued"), 5, "{report}");
    assert_eq!(report.number("failed_body_runs"), 1, "{report}");
}

#[test]
fn lesson_11_holds_the_stampede_to_one_query() {
    let report = check_contract(env!("CARGO_BIN_EXE_11_cache_stampede"));
    // Two waves of 100: the first all query with the cache alone; one query per wave
    // with singleflight alone; one in all with both.
    assert_eq!(report.number("calls_no_protection"), 100, "{report}");
    assert_eq!(report.number("calls_singleflight"), 2, "{report}");
    assert_eq!(report.number("calls_cache_singleflight"), 1, "{report}");
    assert_eq!(
        report.number("calls_moka"),
        1,
        "moka coalesces by itself: {report}"
    );
    assert_eq!(report.number("errors"), 0, "{report}");
}

#[test]
fn lesson_12_names_the_leak() {
    // A build with task dumps prints one, and has a recording of its own (the chapter
    // shows both): `.ci/run` runs this test in that build too.
    let recording = match cfg!(tokio_unstable) {
        true => "12_leak_hunt_dump",
        false => "12_leak_hunt",
    };
    let report = check_contract_recorded_as(env!("CARGO_BIN_EXE_12_leak_hunt"), recording);
    assert_eq!(report.get("leaking_task"), Some("price-pump"), "{report}");
    if cfg!(all(
        tokio_unstable,
        target_os = "linux",
        any(target_arch = "x86_64", target_arch = "aarch64")
    )) {
        // Every leaked pump is found in the dump, parked inside `subscribe`.
        assert_eq!(report.number("dump_pumps"), 50, "{report}");
    }
}

#[test]
#[ignore = "needs redis-server (apt-get install redis-server, or brew install redis): cargo test -- --ignored"]
fn lesson_13_coalesces_across_the_fleet_and_survives_its_failures() {
    let report = check_contract(env!("CARGO_BIN_EXE_13_fleet_stampede"));
    assert_eq!(report.number("replicas"), 3, "{report}");
    // One query per replica with their own singleflight alone; one for the fleet
    // through the lease.
    assert_eq!(report.number("db_calls_local"), 3, "{report}");
    assert_eq!(report.number("db_calls_fleet"), 1, "{report}");
    // The dead holder's lease lapsed on its own, and only then was it taken: not
    // before the last renewal's TTL had run out, and by a waiter, not by the fallback
    // after its two seconds.
    let ttl = report.number("lease_ttl_ms");
    let takeover = report.number("takeover_ms");
    assert!(
        takeover + 100 >= ttl && takeover < 2000,
        "taken over {takeover} ms after the kill, lease TTL {ttl} ms: {report}"
    );
    assert_eq!(report.number("db_calls_takeover"), 2, "{report}");
    assert_eq!(report.number("survivor_errors"), 0, "{report}");
    assert_eq!(report.number("refused_on_dead"), 10, "{report}");
    assert_eq!(report.number("stale_writes_rejected"), 1, "{report}");
    // Redis gone: each replica's own singleflight still holds it to one query, and
    // no request fails.
    assert_eq!(report.number("fallback_local"), 1, "{report}");
    assert_eq!(report.number("db_calls_redis_down"), 3, "{report}");
    assert_eq!(report.number("redis_down_errors"), 0, "{report}");
}

#[test]
fn lesson_13_without_redis_says_how_to_install_it_and_exits_2() {
    // No redis-server on the PATH and no REDIS_URL: what a fresh machine sees.
    let output = Command::new(env!("CARGO_BIN_EXE_13_fleet_stampede"))
        .env("PATH", "")
        .env_remove("REDIS_URL")
        .output()
        .expect("running the lesson");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.contains("apt-get install redis-server") && stderr.contains("brew install redis"),
        "{stderr}"
    );
}

#[test]
fn bad_flags_are_refused_with_a_message() {
    let output = Command::new(env!("CARGO_BIN_EXE_00_test_server"))
        .args(["--seed", "seven"])
        .output()
        .expect("running the lesson");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("invalid value 'seven' for '--seed <N>'"),
        "{stderr}"
    );
}

#[test]
fn help_lists_every_flag_and_exits_0() {
    let output = Command::new(env!("CARGO_BIN_EXE_00_test_server"))
        .arg("--help")
        .output()
        .expect("running the lesson");
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    for flag in ["--seed <N>", "--serve", "--scale <F>", "--help"] {
        assert!(stdout.contains(flag), "{flag} missing from:\n{stdout}");
    }
}

/// Under `--serve`, a fixed lesson runs its own graceful shutdown on SIGTERM: serves a
/// few requests to `path`, sends the signal, and returns everything it printed.
#[cfg(unix)]
fn serve_then_terminate(binary: &str, path: &str) -> String {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpStream;

    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut child = Command::new(binary)
        .args(["--seed", "7", "--serve"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the lesson binary was built by cargo test");
    let mut lines = BufReader::new(child.stdout.take().expect("piped"));
    let mut printed = String::new();
    let started = Instant::now();
    let addr = loop {
        let mut line = String::new();
        assert!(
            lines.read_line(&mut line).expect("reading the lesson") > 0,
            "{binary} ended before serving:\n{printed}"
        );
        printed.push_str(&line);
        if let Some((_, rest)) = line.split_once("serving on http://") {
            break rest
                .split_whitespace()
                .next()
                .expect("an address")
                .to_owned();
        }
        assert!(started.elapsed() < HANG_GUARD, "{binary} never served");
    };
    for _ in 0..3 {
        let mut stream = TcpStream::connect(&addr).expect("the lesson serves");
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .expect("a request");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("an answer");
    }
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    lines
        .read_to_string(&mut printed)
        .expect("the rest of the output");
    let status = child.wait().expect("the lesson ends");
    assert!(
        status.success(),
        "{binary} exited with {status}:\n{printed}"
    );
    printed
}

#[cfg(unix)]
#[test]
fn the_fixed_logger_flushes_on_sigterm_under_serve() {
    let printed = serve_then_terminate(env!("CARGO_BIN_EXE_06_logger_fixed"), "/work");
    assert!(printed.contains("SIGTERM: shutting down"), "{printed}");
    assert!(printed.contains("flushed, then it ended"), "{printed}");
}

#[cfg(unix)]
#[test]
fn the_fixed_pool_stops_its_workers_on_sigterm_under_serve() {
    let printed = serve_then_terminate(env!("CARGO_BIN_EXE_08_workers_fixed"), "/enqueue");
    assert!(printed.contains("SIGTERM: shutting down"), "{printed}");
    assert!(printed.contains("workers stopped: 0 left"), "{printed}");
}

#[test]
fn rust_log_opens_a_span_per_request_and_the_default_shows_none() {
    let run = |rust_log: Option<&str>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_04_cancellation"));
        command.args(["--seed", "7"]).env_remove("RUST_LOG");
        if let Some(rust_log) = rust_log {
            command.env("RUST_LOG", rust_log);
        }
        let output = command.output().expect("running the lesson");
        assert!(output.status.success());
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let detailed = run(Some("tower_http=debug"));
    assert!(
        detailed.contains("DEBUG request{method=GET uri=/profile"),
        "{detailed}"
    );
    // The narration says where in the tree of spans each line was written.
    assert!(
        detailed.contains("   in request{method=GET uri=/profile"),
        "{detailed}"
    );
    assert!(
        detailed
            .trim_end()
            .lines()
            .last()
            .unwrap()
            .starts_with("result:")
    );
    let plain = run(None);
    assert!(!plain.contains("DEBUG"), "{plain}");
}

/// Runs a lesson with `RUST_LOG=debug`, whose lines name the spans they are written in.
fn run_with_debug_log(binary: &str) -> String {
    let output = Command::new(binary)
        .args(["--seed", "7"])
        .env("RUST_LOG", "debug")
        .output()
        .expect("running the lesson");
    assert!(output.status.success(), "{binary} failed");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn rust_log_shows_a_leaked_task_still_working_inside_its_answered_request() {
    let printed = run_with_debug_log(env!("CARGO_BIN_EXE_02_timeout_leak"));
    let lines: Vec<&str> = printed.lines().collect();
    let asked = lines
        .iter()
        .position(|line| line.contains("client   -> GET /user/spawned"))
        .expect("the spawned case's request");
    let answered = asked
        + lines[asked..]
            .iter()
            .position(|line| line.contains("client   <- 408"))
            .expect("the spawned case's 408");
    // After the 408, the detached task's second query is written inside the span of
    // the request it came from, and of the task the handler spawned.
    assert!(
        lines[answered..]
            .iter()
            .any(|line| line.contains("UPDATE last_seen: started")
                && line.contains("in request{method=GET uri=/user/spawned")
                && line.contains(r#"task{name="user"}"#)),
        "{printed}"
    );
}

#[test]
fn rust_log_shows_the_spawned_audit_inside_its_request_only_when_given_a_span() {
    let printed = run_with_debug_log(env!("CARGO_BIN_EXE_04_cancellation"));
    let audits: Vec<&str> = printed
        .lines()
        .filter(|line| line.contains("audit: written for"))
        .collect();
    // The plain spawn: outside the request's task-local scope, and outside its spans.
    let outside = audits
        .iter()
        .filter(|line| line.ends_with("written for outside any request"))
        .filter(|line| !line.contains("request{"))
        .count();
    assert_eq!(outside, 3, "{printed}");
    // The spawn scoped again and instrumented: the id, in a span that names it, inside
    // the request's span.
    for id in ["alice-1", "bob-2", "carol-3"] {
        assert!(
            audits.iter().any(|line| line.contains("request{method=GET")
                && line.contains(&format!(r#"task{{name="audit" request_id={id}}}"#))
                && line.ends_with(&format!("written for {id}"))),
            "{printed}"
        );
    }
}
