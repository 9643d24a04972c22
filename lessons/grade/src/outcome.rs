//! Reads a grader's output: did it pass, and if not, what should the learner read?
//!
//! `cargo test` prints a lot when it fails: warnings, libtest's progress, every failing
//! test's captured output with a backtrace. The learner needs three things from it: the
//! failing tests' names, the first panic message (a grader's assertion explains what
//! went wrong), and, when the code did not build, rustc's first error.

/// How many lines of cargo's own errors to show: enough for rustc's first error with
/// its source excerpt, not so many that the hint scrolls away.
const SHOWN_LINES: usize = 20;

/// What one run of a grader came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every test of the grader passed.
    Passed,
    /// Tests failed, and every panic was a stub's `todo!()`: the learner has not begun.
    NotStarted { tests: Vec<String> },
    /// Tests failed; `message` is the first panic message that is not a `todo!()`, or
    /// the end of the output when no test panicked (a crash, say).
    Failed { tests: Vec<String>, message: String },
    /// rustc rejected the code; `errors` is its output from the first error on.
    DoesNotCompile { errors: Vec<String> },
    /// Cargo stopped for some other reason (no such test target, say): its last words.
    CouldNotRun { lines: Vec<String> },
}

impl Outcome {
    /// Reads the output of `cargo test --quiet --test ID`, with `success` its exit status.
    ///
    /// libtest writes to stdout, cargo and rustc to stderr.
    pub fn parse(success: bool, stdout: &str, stderr: &str) -> Outcome {
        if success {
            return Outcome::Passed;
        }
        if !tests_ran(stdout) {
            let errors = from_first_error(stderr);
            return if is_compile_error(stderr) {
                Outcome::DoesNotCompile { errors }
            } else if errors.is_empty() {
                Outcome::CouldNotRun {
                    lines: last_lines(stderr),
                }
            } else {
                Outcome::CouldNotRun { lines: errors }
            };
        }

        let tests = failed_tests(stdout);
        let panics = panic_messages(stdout);
        // A learner who has written half of an exercise still hits a `todo!()` in the
        // other half; a real assertion tells them more, so it wins.
        match panics.iter().find(|message| !is_todo(message)) {
            Some(message) => Outcome::Failed {
                tests,
                message: message.clone(),
            },
            None if !panics.is_empty() => Outcome::NotStarted { tests },
            None => {
                let both = format!("{stdout}\n{stderr}");
                Outcome::Failed {
                    tests,
                    message: last_lines(&both).join("\n"),
                }
            }
        }
    }
}

/// Whether the test binary started: libtest's first line is "running N tests".
fn tests_ran(stdout: &str) -> bool {
    stdout
        .lines()
        .any(|line| line.starts_with("running ") && line.contains(" test"))
}

/// Whether rustc reported an error: `error[E0308]: ...`, or cargo's summary of one.
///
/// Not every `error:` line is a compile error: cargo also ends a failed test run with
/// "error: test failed", and reports a missing target with "error: no test target".
pub fn is_compile_error(stderr: &str) -> bool {
    stderr
        .lines()
        .any(|line| line.starts_with("error[") || line.starts_with("error: could not compile"))
}

/// Cargo's output from its first error on (warnings before it are noise here).
pub fn from_first_error(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .skip_while(|line| !line.starts_with("error"))
        .take(SHOWN_LINES)
        .map(str::to_owned)
        .collect()
}

/// The names of the failing tests, from libtest's `---- NAME stdout ----` headers,
/// sorted: libtest lists them in the order they finished, which changes between runs.
pub fn failed_tests(stdout: &str) -> Vec<String> {
    let mut names: Vec<String> = stdout
        .lines()
        .filter_map(|line| line.strip_prefix("---- ")?.strip_suffix(" stdout ----"))
        .map(str::to_owned)
        .collect();
    names.sort();
    names
}

/// Every panic message in the output, in order.
///
/// A panic prints `thread 'NAME' panicked at FILE:LINE:COL:` and then its message,
/// which may span lines (an `assert_eq!` shows both sides; the course's bounded waits
/// start and end theirs with a blank line). The message ends where the panic hook's
/// note or backtrace begins, or where libtest starts its next section.
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
        || line.starts_with("---- ")
        || line == "failures:"
        || line.contains(" panicked at ")
}

/// Whether a panic message is that of `todo!()` (with or without a message of its own).
pub fn is_todo(message: &str) -> bool {
    message.starts_with("not yet implemented")
}

/// The last lines of some output, for when there is no better part to show.
fn last_lines(output: &str) -> Vec<String> {
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

    /// A stub that still calls `todo!()`, as the grader sees it (Rust 1.95, with
    /// `RUST_BACKTRACE=1`, abridged).
    const TODO_STDOUT: &str = "
running 2 tests
fans_out_to_every_backend --- FAILED
answers_within_the_slowest_call --- FAILED

failures:

---- answers_within_the_slowest_call stdout ----

thread 'answers_within_the_slowest_call' (7741) panicked at lessons/exercises/src/ex01_fan_out.rs:21:5:
not yet implemented: fan out to every backend at once
stack backtrace:
   0: __rustc::rust_begin_unwind
             at /rustc/library/std/src/panicking.rs:689:5
note: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.

---- fans_out_to_every_backend stdout ----

thread 'fans_out_to_every_backend' (7740) panicked at lessons/exercises/src/ex01_fan_out.rs:21:5:
not yet implemented
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace


failures:
    answers_within_the_slowest_call
    fans_out_to_every_backend

test result: FAILED. 0 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s

";

    const TEST_FAILED_STDERR: &str = "error: test failed, to rerun pass `--test ex01_fan_out`\n";

    /// A solution under way: one assertion fails, one test still reaches a `todo!()`,
    /// one bounded wait times out (its message starts and ends with a blank line).
    const FAILED_STDOUT: &str = "
running 3 tests
a_todo --- FAILED
answers_within_the_slowest_call --- FAILED
fans_out_to_every_backend --- FAILED

failures:

---- a_todo stdout ----

thread 'a_todo' (9001) panicked at lessons/exercises/src/ex01_fan_out.rs:30:5:
not yet implemented
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace

---- answers_within_the_slowest_call stdout ----

thread 'answers_within_the_slowest_call' (9002) panicked at lessons/src/kit/grading.rs:26:19:

fan_out over 4 calls did not finish within 500 ms.
hint: are the calls awaited one after another?

note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace

---- fans_out_to_every_backend stdout ----

thread 'fans_out_to_every_backend' (9003) panicked at lessons/exercises/tests/ex01_fan_out.rs:12:5:
assertion `left == right` failed: every backend is called once
  left: 3
 right: 4


failures:
    a_todo
    answers_within_the_slowest_call
    fans_out_to_every_backend

test result: FAILED. 0 passed; 3 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.50s

";

    /// rustc rejecting the learner's code, after a warning.
    const COMPILE_ERROR_STDERR: &str = "warning: unused variable: `deadline`
 --> lessons/exercises/src/ex02_deadline.rs:9:9
  |
9 |     let deadline = 5;
  |         ^^^^^^^^ help: if this is intentional, prefix it with an underscore: `_deadline`

error[E0308]: mismatched types
 --> lessons/exercises/src/ex02_deadline.rs:12:5
  |
11 | pub async fn fetch() -> u32 {
  |                         --- expected `u32` because of return type
12 |     \"x\"
  |     ^^^ expected `u32`, found `&str`

For more information about this error, try `rustc --explain E0308`.
error: could not compile `exercises` (lib) due to 1 previous error; 1 warning emitted
";

    #[test]
    fn a_passing_grader_passed() {
        assert_eq!(
            Outcome::parse(true, "running 2 tests\n..\n", ""),
            Outcome::Passed
        );
    }

    #[test]
    fn finds_the_failing_tests() {
        assert_eq!(
            failed_tests(TODO_STDOUT),
            [
                "answers_within_the_slowest_call",
                "fans_out_to_every_backend"
            ]
        );
    }

    #[test]
    fn failing_tests_are_listed_by_name_not_by_finish() {
        let stdout = "---- zeta stdout ----\n---- alpha stdout ----\n";
        assert_eq!(failed_tests(stdout), ["alpha", "zeta"]);
    }

    #[test]
    fn extracts_panic_messages_up_to_the_note_or_backtrace() {
        assert_eq!(
            panic_messages(TODO_STDOUT),
            [
                "not yet implemented: fan out to every backend at once",
                "not yet implemented"
            ]
        );
        assert_eq!(
            panic_messages(FAILED_STDOUT),
            [
                "not yet implemented",
                "fan_out over 4 calls did not finish within 500 ms.\n\
                 hint: are the calls awaited one after another?",
                "assertion `left == right` failed: every backend is called once\n  \
                 left: 3\n right: 4",
            ]
        );
    }

    #[test]
    fn recognises_todo() {
        assert!(is_todo("not yet implemented"));
        assert!(is_todo("not yet implemented: fan out"));
        assert!(!is_todo("assertion `left == right` failed"));
    }

    #[test]
    fn only_todo_panics_mean_not_started() {
        assert_eq!(
            Outcome::parse(false, TODO_STDOUT, TEST_FAILED_STDERR),
            Outcome::NotStarted {
                tests: vec![
                    "answers_within_the_slowest_call".into(),
                    "fans_out_to_every_backend".into()
                ]
            }
        );
    }

    #[test]
    fn a_real_failure_wins_over_a_todo() {
        let Outcome::Failed { tests, message } =
            Outcome::parse(false, FAILED_STDOUT, TEST_FAILED_STDERR)
        else {
            panic!("expected a failure");
        };
        assert_eq!(tests.len(), 3);
        assert!(
            message.starts_with("fan_out over 4 calls did not finish"),
            "{message}"
        );
    }

    #[test]
    fn a_failure_without_a_panic_shows_the_end_of_the_output() {
        let stdout = "\nrunning 1 test\n";
        let stderr = "error: test failed, to rerun pass `--test ex01_fan_out`\n\nCaused by:\n  \
                      process didn't exit successfully (signal: 11, SIGSEGV: invalid memory reference)\n";
        let Outcome::Failed { tests, message } = Outcome::parse(false, stdout, stderr) else {
            panic!("expected a failure");
        };
        assert!(tests.is_empty());
        assert!(message.contains("SIGSEGV"), "{message}");
    }

    #[test]
    fn detects_a_compile_error_and_skips_the_warnings_before_it() {
        assert!(is_compile_error(COMPILE_ERROR_STDERR));
        assert!(!is_compile_error(TEST_FAILED_STDERR));

        let Outcome::DoesNotCompile { errors } = Outcome::parse(false, "", COMPILE_ERROR_STDERR)
        else {
            panic!("expected a compile error");
        };
        assert_eq!(errors[0], "error[E0308]: mismatched types");
        assert!(
            errors
                .last()
                .unwrap()
                .starts_with("error: could not compile `exercises`")
        );
    }

    #[test]
    fn shows_at_most_the_first_lines_of_a_long_compile_error() {
        let long = format!(
            "error[E0425]: cannot find value\n{}",
            "  | more\n".repeat(100)
        );
        let Outcome::DoesNotCompile { errors } = Outcome::parse(false, "", &long) else {
            panic!("expected a compile error");
        };
        assert_eq!(errors.len(), SHOWN_LINES);
    }

    #[test]
    fn a_missing_test_target_is_not_a_compile_error() {
        let stderr = "error: no test target named `ex09_nothing` in `exercises` package\n";
        assert_eq!(
            Outcome::parse(false, "", stderr),
            Outcome::CouldNotRun {
                lines: vec![stderr.trim_end().to_owned()]
            }
        );
    }
}
