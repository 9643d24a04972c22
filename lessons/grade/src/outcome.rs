//! What one run of a grader came to, and what the learner should read of it.
//!
//! The runner ([`grader`](crate::grader)) builds a grader and runs each of its tests in
//! a process of its own; this module turns what it saw into one [`Outcome`]. Whether a
//! test passed is its process's exit status, never a line of libtest's report: that
//! report is for people, and its format has changed between toolchains. Text is read
//! for one thing only, the message to show, from the line the panic hook prints
//! (`thread 'NAME' panicked at FILE:LINE:COL:`, then the message); a test whose panic
//! cannot be found still fails, and shows the end of its output instead.

use std::time::Duration;

/// How many lines of an error to show: enough for rustc's first error with its source
/// excerpt, not so many that the hint scrolls away.
pub const SHOWN_LINES: usize = 20;

/// What one run of a grader came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every test of the grader passed.
    Passed,
    /// Tests failed, and every panic was a stub's `todo!()`: the learner has not begun.
    NotStarted { tests: Vec<String> },
    /// Tests failed; `message` is the first failing test's (by name) last panic message
    /// that is not a `todo!()`, or
    /// the end of a test's output when it failed without a panic (a crash, say).
    Failed { tests: Vec<String>, message: String },
    /// rustc rejected the code; `errors` is its output from its first error on, at
    /// most [`SHOWN_LINES`] lines.
    DoesNotCompile { errors: Vec<String> },
    /// Cargo or the test executable stopped for some other reason (no such test
    /// target, say): its last words.
    CouldNotRun { lines: Vec<String> },
}

/// One test of a grader, run alone, and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestRun {
    /// Its full name, as the test executable lists it (`grader::leaves_no_call_running`).
    pub name: String,
    pub ending: Ending,
}

/// How a test's process ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// It exited with success.
    Passed,
    /// It exited with failure; `status` describes how (`exit status: 101`, or a signal).
    Failed {
        status: String,
        stdout: String,
        stderr: String,
    },
    /// It was still running after `after`, and was killed.
    Stopped { after: Duration },
}

impl Outcome {
    /// The outcome of a grader whose tests all ran, one [`TestRun`] each.
    pub fn from_runs(runs: &[TestRun]) -> Outcome {
        let mut failed: Vec<&TestRun> = runs
            .iter()
            .filter(|run| run.ending != Ending::Passed)
            .collect();
        if failed.is_empty() {
            return Outcome::Passed;
        }
        // By name, so that the list and the message chosen do not depend on the order
        // the tests happened to finish in.
        failed.sort_by(|one, other| one.name.cmp(&other.name));
        let tests = failed.iter().map(|run| run.name.clone()).collect();
        let messages: Vec<String> = failed
            .iter()
            .flat_map(|run| messages_of(&run.ending))
            .collect();
        // A learner who has written half of an exercise still hits a `todo!()` in the
        // other half; a real assertion tells them more, so it wins.
        match messages.into_iter().find(|message| !is_todo(message)) {
            Some(message) => Outcome::Failed { tests, message },
            None => Outcome::NotStarted { tests },
        }
    }

    /// The outcome of a build that failed: rustc's errors (and the note after them),
    /// as cargo's JSON messages carry them rendered (`message.rendered`), or, when
    /// rustc reported none, the end of cargo's own stderr.
    pub fn from_failed_build(rendered_errors: &[String], cargo_stderr: &str) -> Outcome {
        if rendered_errors.is_empty() {
            return Outcome::CouldNotRun {
                lines: cargo_last_words(cargo_stderr),
            };
        }
        // Laid out as rustc prints them in a terminal: a blank line between two errors.
        let rendered: Vec<&str> = rendered_errors
            .iter()
            .map(|error| error.trim_end())
            .collect();
        let errors = rendered
            .join("\n\n")
            .lines()
            .take(SHOWN_LINES)
            .map(str::to_owned)
            .collect();
        Outcome::DoesNotCompile { errors }
    }
}

/// What a failed test has to say: its panic messages, the last printed first, or, if
/// none can be found, the end of its output and how its process ended.
///
/// The last panic is the one that failed the test: a grader's assertion. Panics
/// printed before it come from the work under test (work that panics on purpose, to
/// see that the answer survives it), and would only mislead.
fn messages_of(ending: &Ending) -> Vec<String> {
    match ending {
        Ending::Passed => Vec::new(),
        Ending::Stopped { after } => vec![format!(
            "stopped after {}: the test was still running, so the runner ended it.\n\
             A test that never ends usually has a thread blocked for good: a loop \
             with no .await,\na lock or a channel waited on in blocking code, or a \
             task that waits on itself.",
            duration_in_words(*after)
        )],
        Ending::Failed {
            status,
            stdout,
            stderr,
        } => {
            let mut panics = panic_messages(stderr);
            if !panics.is_empty() {
                panics.reverse();
                return panics;
            }
            let both = format!("{stdout}\n{stderr}\nthe test's process ended with {status}");
            vec![last_lines(&both).join("\n")]
        }
    }
}

/// `60 s`, or `300 ms` for a bound under a second or not a whole number of seconds.
fn duration_in_words(duration: Duration) -> String {
    if duration.subsec_millis() == 0 && duration.as_secs() > 0 {
        format!("{} s", duration.as_secs())
    } else {
        format!("{} ms", duration.as_millis())
    }
}

/// Every panic message in a test's stderr, in order.
///
/// A panic prints `thread 'NAME' panicked at FILE:LINE:COL:` and then its message,
/// which may span lines (an `assert_eq!` shows both sides; the course's bounded waits
/// start and end theirs with a blank line). The message ends where the panic hook's
/// note or backtrace begins, or at the next panic.
pub fn panic_messages(output: &str) -> Vec<String> {
    let mut messages = Vec::new();
    let mut lines = output.lines().peekable();
    while let Some(line) = lines.next() {
        if !line.contains(" panicked at ") {
            continue;
        }
        let mut message = Vec::new();
        while let Some(next) = lines.next_if(|next| !ends_a_panic_message(next)) {
            message.push(next);
        }
        let message = message.join("\n");
        messages.push(message.trim_matches('\n').trim_end().to_owned());
    }
    messages
}

fn ends_a_panic_message(line: &str) -> bool {
    line.starts_with("note: ")
        || line.starts_with("stack backtrace:")
        || line.contains(" panicked at ")
}

/// Whether a panic message is that of `todo!()` (with or without a message of its own).
pub fn is_todo(message: &str) -> bool {
    message.starts_with("not yet implemented")
}

/// What to show of cargo's stderr when it stopped without a compile error: from its
/// first error on (warnings before it are noise here), or its last lines if it wrote
/// no error line. For display only: the JSON messages decide what happened.
fn cargo_last_words(stderr: &str) -> Vec<String> {
    let from_first_error: Vec<String> = stderr
        .lines()
        .skip_while(|line| !line.starts_with("error"))
        .take(SHOWN_LINES)
        .map(str::to_owned)
        .collect();
    if from_first_error.is_empty() {
        last_lines(stderr)
    } else {
        from_first_error
    }
}

/// The last lines of some output, for when there is no better part to show.
pub fn last_lines(output: &str) -> Vec<String> {
    let lines: Vec<&str> = output
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();
    let start = lines.len().saturating_sub(SHOWN_LINES);
    lines[start..]
        .iter()
        .map(|line| (*line).to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stub's `todo!()`, as a test run alone prints it on stderr (Rust 1.95, with
    /// `RUST_BACKTRACE=1`, abridged).
    const TODO_STDERR: &str = "
thread 'grader::answers_within_the_slowest_call' (7741) panicked at lessons/exercises/src/ex01_fan_out.rs:21:5:
not yet implemented: fan out to every backend at once
stack backtrace:
   0: __rustc::rust_begin_unwind
             at /rustc/library/std/src/panicking.rs:689:5
note: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.
";

    /// A bounded wait that timed out: its message starts and ends with a blank line.
    const TIMED_OUT_STDERR: &str = "
thread 'grader::answers_within_the_slowest_call' (9002) panicked at lessons/src/kit/grading.rs:26:19:

fan_out over 4 calls did not finish within 500 ms.
hint: are the calls awaited one after another?

note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace
";

    /// A failed `assert_eq!`, and then a second panic, on another thread.
    const ASSERTION_STDERR: &str = "
thread 'grader::fans_out_to_every_backend' (9003) panicked at lessons/exercises/tests/ex01_fan_out.rs:12:5:
assertion `left == right` failed: every backend is called once
  left: 3
 right: 4
thread 'tokio-runtime-worker' (9004) panicked at lessons/exercises/src/ex01_fan_out.rs:30:5:
not yet implemented
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace
";

    /// libtest's report on stdout: shown only when a test failed without a panic.
    const LIBTEST_STDOUT: &str = "\nrunning 1 test\ntest grader::a_test ... FAILED\n";

    fn failed(name: &str, stderr: &str) -> TestRun {
        TestRun {
            name: name.to_owned(),
            ending: Ending::Failed {
                status: "exit status: 101".to_owned(),
                stdout: LIBTEST_STDOUT.to_owned(),
                stderr: stderr.to_owned(),
            },
        }
    }

    fn passed(name: &str) -> TestRun {
        TestRun {
            name: name.to_owned(),
            ending: Ending::Passed,
        }
    }

    #[test]
    fn a_grader_whose_tests_all_passed_passed() {
        assert_eq!(Outcome::from_runs(&[]), Outcome::Passed);
        assert_eq!(
            Outcome::from_runs(&[passed("grader::one"), passed("grader::two")]),
            Outcome::Passed
        );
    }

    #[test]
    fn failing_tests_are_listed_by_name_not_by_finish() {
        let runs = [
            failed("grader::zeta", TODO_STDERR),
            passed("grader::beta"),
            failed("grader::alpha", TODO_STDERR),
        ];
        assert_eq!(
            Outcome::from_runs(&runs),
            Outcome::NotStarted {
                tests: vec!["grader::alpha".into(), "grader::zeta".into()]
            }
        );
    }

    #[test]
    fn extracts_panic_messages_up_to_the_note_or_backtrace() {
        assert_eq!(
            panic_messages(TODO_STDERR),
            ["not yet implemented: fan out to every backend at once"]
        );
        assert_eq!(
            panic_messages(TIMED_OUT_STDERR),
            ["fan_out over 4 calls did not finish within 500 ms.\n\
              hint: are the calls awaited one after another?"]
        );
        assert_eq!(
            panic_messages(ASSERTION_STDERR),
            [
                "assertion `left == right` failed: every backend is called once\n  \
                 left: 3\n right: 4",
                "not yet implemented",
            ]
        );
    }

    #[test]
    fn the_panic_that_failed_the_test_is_shown_not_the_work_that_panicked_first() {
        let stderr = "
thread 'grader::a_panic_comes_back_as_an_error' (77) panicked at lessons/exercises/graders/ex03.rs:9:30:
the work failed
thread 'grader::a_panic_comes_back_as_an_error' (77) panicked at lessons/exercises/graders/ex03.rs:12:13:
the work's panic came out of run_in_task as a panic in the caller
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace
";
        let Outcome::Failed { message, .. } =
            Outcome::from_runs(&[failed("grader::a_panic_comes_back_as_an_error", stderr)])
        else {
            panic!("expected a failure");
        };
        assert_eq!(
            message,
            "the work's panic came out of run_in_task as a panic in the caller"
        );
    }

    #[test]
    fn recognises_todo() {
        assert!(is_todo("not yet implemented"));
        assert!(is_todo("not yet implemented: fan out"));
        assert!(!is_todo("assertion `left == right` failed"));
    }

    #[test]
    fn a_real_failure_wins_over_a_todo() {
        let runs = [
            failed("grader::a_todo", TODO_STDERR),
            failed("grader::answers_within_the_slowest_call", TIMED_OUT_STDERR),
            failed("grader::fans_out_to_every_backend", ASSERTION_STDERR),
        ];
        let Outcome::Failed { tests, message } = Outcome::from_runs(&runs) else {
            panic!("expected a failure");
        };
        assert_eq!(tests.len(), 3);
        // The first by name that is not a todo!(), whatever order they finished in.
        assert!(
            message.starts_with("fan_out over 4 calls did not finish"),
            "{message}"
        );
    }

    #[test]
    fn a_failure_without_a_panic_shows_the_end_of_the_output_and_the_exit() {
        let crashed = TestRun {
            name: "grader::a_test".to_owned(),
            ending: Ending::Failed {
                status: "signal: 11 (SIGSEGV) (core dumped)".to_owned(),
                stdout: LIBTEST_STDOUT.to_owned(),
                stderr: String::new(),
            },
        };
        let Outcome::Failed { tests, message } = Outcome::from_runs(&[crashed]) else {
            panic!("expected a failure");
        };
        assert_eq!(tests, ["grader::a_test"]);
        assert!(message.contains("SIGSEGV"), "{message}");
        assert!(message.starts_with("running 1 test"), "{message}");
    }

    #[test]
    fn a_crash_is_a_failure_even_beside_a_todo() {
        let runs = [
            failed("grader::a_todo", TODO_STDERR),
            failed("grader::b_crash", ""),
        ];
        assert!(matches!(Outcome::from_runs(&runs), Outcome::Failed { .. }));
    }

    #[test]
    fn a_stopped_test_says_how_long_it_ran_and_why_it_may_not_end() {
        let stopped = TestRun {
            name: "grader::hangs".to_owned(),
            ending: Ending::Stopped {
                after: Duration::from_secs(60),
            },
        };
        let Outcome::Failed { tests, message } = Outcome::from_runs(&[stopped]) else {
            panic!("expected a failure");
        };
        assert_eq!(tests, ["grader::hangs"]);
        assert!(message.starts_with("stopped after 60 s"), "{message}");
        assert!(message.contains("blocked"), "{message}");
    }

    #[test]
    fn durations_in_words() {
        assert_eq!(duration_in_words(Duration::from_secs(60)), "60 s");
        assert_eq!(duration_in_words(Duration::from_millis(300)), "300 ms");
        assert_eq!(duration_in_words(Duration::from_millis(1500)), "1500 ms");
    }

    /// rustc's errors as cargo's JSON messages render them: each ends with a blank line.
    fn rendered_errors() -> Vec<String> {
        vec![
            "error[E0308]: mismatched types
 --> lessons/exercises/src/ex02_deadline.rs:12:5
  |
11 | pub async fn fetch() -> u32 {
  |                         --- expected `u32` because of return type
12 |     \"x\"
  |     ^^^ expected `u32`, found `&str`

"
            .to_owned(),
            "error[E0425]: cannot find value `later` in this scope
 --> lessons/exercises/src/ex02_deadline.rs:20:5
   |
20 |     later
   |     ^^^^^ not found in this scope

"
            .to_owned(),
        ]
    }

    #[test]
    fn shows_rustc_errors_as_a_terminal_would() {
        let Outcome::DoesNotCompile { errors } = Outcome::from_failed_build(&rendered_errors(), "")
        else {
            panic!("expected a compile error");
        };
        assert_eq!(errors[0], "error[E0308]: mismatched types");
        let second = errors
            .iter()
            .position(|line| line.starts_with("error[E0425]"))
            .expect("the second error is shown");
        assert_eq!(errors[second - 1], "", "a blank line between two errors");
        assert_eq!(
            errors.last().unwrap(),
            "   |     ^^^^^ not found in this scope"
        );
    }

    #[test]
    fn shows_at_most_the_first_lines_of_a_long_compile_error() {
        let long = format!(
            "error[E0425]: cannot find value\n{}",
            "  | more\n".repeat(100)
        );
        let Outcome::DoesNotCompile { errors } = Outcome::from_failed_build(&[long], "") else {
            panic!("expected a compile error");
        };
        assert_eq!(errors.len(), SHOWN_LINES);
    }

    #[test]
    fn a_failed_build_without_a_compile_error_shows_cargo_from_its_error() {
        let stderr = "warning: some cargo config warning\n\
                      error: no test target named `ex09_nothing` in `exercises` package\n";
        assert_eq!(
            Outcome::from_failed_build(&[], stderr),
            Outcome::CouldNotRun {
                lines: vec![
                    "error: no test target named `ex09_nothing` in `exercises` package".into()
                ]
            }
        );
        let Outcome::CouldNotRun { lines } = Outcome::from_failed_build(&[], "killed\n") else {
            panic!("expected cargo's last words");
        };
        assert_eq!(lines, ["killed"]);
    }
}
