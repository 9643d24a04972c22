//! Runs one exercise's grader: builds it, lists its tests, runs each alone.
//!
//! The grader is a test target of the `exercises` package (or of `mistakes` in the
//! maintainers' modes). Rather than read the report `cargo test` prints for people,
//! whose format has changed between toolchains, the runner uses the interfaces that
//! tools such as cargo-nextest rely on, which stay put:
//!
//! * cargo's JSON messages, to build the target and find its executable or rustc's
//!   errors ([`executable`](crate::executable));
//! * `EXE --list --format terse`, one `NAME: test` line per test, to list its tests;
//! * `EXE --exact NAME`, to run one test alone in a process of its own, whose exit
//!   status says whether it passed.
//!
//! Only the message shown for a failure is read from text, the panic hook's
//! (see [`outcome`](crate::outcome)). A process of its own per test also lets the
//! runner bound each test in time and stop one that hangs, which a test thread inside
//! libtest's process cannot be.

use std::io::{self, Read};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::executable::{self, TestExecutable};
use crate::outcome::{Ending, TestRun, last_lines};
use crate::{Exercise, Outcome};

/// How long one test may run before the runner stops it. The graders bound their own
/// tests at 10 s (`lessons::kit::grading`) and fail them with a message that says
/// why; this is the runner's guard for a test that escapes that bound (a thread
/// blocked where no grader looks), so that `cargo grade` can never hang.
pub const TEST_TIME_LIMIT: Duration = Duration::from_secs(60);

/// How many tests run at once: two, as many as the course's smallest machines have
/// cores, and as many as `cargo test` itself ran at once there.
const TESTS_AT_ONCE: usize = 2;

/// The longest pause between two looks at a running test. The pauses start at a
/// millisecond and double: most tests end within a few, and the slow ones do not need
/// to be looked at often.
const LONGEST_POLL: Duration = Duration::from_millis(50);

/// How long to wait for a test's output once its process has ended: the pipes close
/// with it, unless a process it started holds them open; its output is then lost
/// rather than waited for.
const OUTPUT_GRACE: Duration = Duration::from_secs(2);

/// Runs the grader of `exercise` on the learner's file, to the end.
///
/// Fails only if cargo itself cannot be started.
pub fn run(exercise: &Exercise) -> io::Result<Outcome> {
    run_target("exercises", exercise.id)
}

/// Runs the test target `test` of `package` (a grader, on the learner's file or on a
/// known mistake), to the end.
///
/// Fails only if cargo itself cannot be started.
pub fn run_target(package: &str, test: &str) -> io::Result<Outcome> {
    Ok(match executable::build(package, test)? {
        Ok(executable) => run_tests(&executable),
        Err(outcome) => outcome,
    })
}

/// Runs every test of `executable`, each alone and bounded by [`TEST_TIME_LIMIT`].
pub fn run_tests(executable: &TestExecutable) -> Outcome {
    match list_tests(executable) {
        Ok(names) => run_listed(executable, &names, TEST_TIME_LIMIT),
        Err(error) => could_not_run(executable, &error),
    }
}

/// The tests of `executable`, by full name (`grader::leaves_no_call_running`), sorted.
///
/// libtest's terse listing has one `NAME: test` line per test; benchmarks
/// (`NAME: benchmark`) and anything else are not graded.
pub fn list_tests(executable: &TestExecutable) -> io::Result<Vec<String>> {
    let output = command(executable)
        .args(["--list", "--format", "terse"])
        .output()?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let mut why = vec![format!("listing its tests ended with {}", output.status)];
        why.extend(last_lines(&stderr));
        return Err(io::Error::other(why.join("\n")));
    }
    let mut names: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.strip_suffix(": test"))
        .map(str::to_owned)
        .collect();
    names.sort();
    Ok(names)
}

/// Runs the tests `names` of `executable`, each alone, stopping any still running
/// after `limit`.
pub fn run_listed(executable: &TestExecutable, names: &[String], limit: Duration) -> Outcome {
    let runs: io::Result<Vec<TestRun>> = in_order(names, TESTS_AT_ONCE, |name| {
        run_alone(executable, name, limit)
    })
    .into_iter()
    .collect();
    match runs {
        Ok(runs) => Outcome::from_runs(&runs),
        Err(error) => could_not_run(executable, &error),
    }
}

/// Runs the test `name` alone, in a process of its own, and kills it if it is still
/// running after `limit`.
pub fn run_alone(executable: &TestExecutable, name: &str, limit: Duration) -> io::Result<TestRun> {
    let mut child = command(executable)
        // --nocapture: the panic hook then writes straight to stderr, where the
        // message is read from. One thread: the one test is all there is to run.
        .args(["--exact", name, "--nocapture", "--test-threads", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    // Read both pipes while the test runs: one that writes more than a pipe holds
    // would otherwise block, and look like a test that hangs.
    let stdout = read_in_background(child.stdout.take());
    let stderr = read_in_background(child.stderr.take());

    let started = Instant::now();
    let mut pause = Duration::from_millis(1);
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        let elapsed = started.elapsed();
        if elapsed >= limit {
            child.kill()?;
            child.wait()?;
            break None;
        }
        thread::sleep(pause.min(limit - elapsed));
        pause = (pause * 2).min(LONGEST_POLL);
    };

    let ending = match status {
        Some(status) if status.success() => Ending::Passed,
        Some(status) => Ending::Failed {
            status: status.to_string(),
            stdout: collected(&stdout),
            stderr: collected(&stderr),
        },
        None => Ending::Stopped { after: limit },
    };
    Ok(TestRun {
        name: name.to_owned(),
        ending,
    })
}

/// The test executable, set up as `cargo test` runs it: in its package's directory,
/// with nothing to read (a test that tries does not wait on the learner's terminal).
/// `RUST_BACKTRACE=0` keeps the panic hook's output to its message and one note.
fn command(executable: &TestExecutable) -> Command {
    let mut command = Command::new(&executable.path);
    command
        .current_dir(&executable.package_dir)
        .env("RUST_BACKTRACE", "0")
        .envs(executable.env.iter().map(|(name, value)| (name, value)))
        .stdin(Stdio::null());
    command
}

/// Reads all of `pipe` on a thread of its own; the text arrives on the receiver.
fn read_in_background(pipe: Option<impl Read + Send + 'static>) -> mpsc::Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    if let Some(mut pipe) = pipe {
        thread::spawn(move || {
            let mut bytes = Vec::new();
            // A read error ends the output early; what was read is still worth showing.
            let _ = pipe.read_to_end(&mut bytes);
            let _ = sender.send(String::from_utf8_lossy(&bytes).into_owned());
        });
    }
    receiver
}

fn collected(output: &mpsc::Receiver<String>) -> String {
    output.recv_timeout(OUTPUT_GRACE).unwrap_or_default()
}

fn could_not_run(executable: &TestExecutable, error: &io::Error) -> Outcome {
    let mut lines = vec![format!(
        "could not run the test executable {}:",
        executable.path.display()
    )];
    lines.extend(error.to_string().lines().map(str::to_owned));
    Outcome::CouldNotRun { lines }
}

/// `work` done on every item, at most `at_once` at a time, the results in the items'
/// order whatever order they finish in.
fn in_order<T: Sync, R: Send>(
    items: &[T],
    at_once: usize,
    work: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let mut results: Vec<(usize, R)> = thread::scope(|scope| {
        let workers: Vec<_> = (0..at_once.clamp(1, items.len().max(1)))
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(index) else {
                            return done;
                        };
                        done.push((index, work(item)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().expect("the work does not panic"))
            .collect()
    });
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_in_the_order_of_the_items() {
        let items: Vec<u64> = (0..20).collect();
        let doubled = in_order(&items, 3, |item| {
            // Later items finish first.
            thread::sleep(Duration::from_millis(20 - item));
            item * 2
        });
        assert_eq!(doubled, (0..20).map(|item| item * 2).collect::<Vec<_>>());
        assert!(in_order(&[] as &[u64], 2, |item| *item).is_empty());
    }
}
