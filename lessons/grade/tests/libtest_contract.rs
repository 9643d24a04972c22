//! The runner's contract with libtest, checked on the toolchain at hand.
//!
//! `cargo grade` relies on a few things a test executable does: `--list --format terse`
//! lists its tests, `--exact NAME` runs one of them, the exit status says whether it
//! passed, and the panic hook prints `thread 'NAME' panicked at ...:` before the
//! message. If a toolchain ever changed one of them, the graders would be misread; this
//! file catches that without running cargo inside cargo. It is its own subject: its
//! `fixture` tests behave as told by the `GRADE_FIXTURE` variable, and its `contract`
//! tests run this very executable, with the variable set, through the runner.
//!
//! When the variable is unset, as under a plain `cargo test`, every fixture passes.

use std::env;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use grade::Outcome;
use grade::executable::TestExecutable;
use grade::grader;

/// The variable the fixtures read: `1` for their failures, `sleep` for the test that
/// hangs.
const FIXTURE: &str = "GRADE_FIXTURE";

/// The message of the fixture whose assertion fails, as the runner must report it.
const ASSERTION_MESSAGE: &str = "assertion `left == right` failed: one and one make two\n  \
                                 left: 2\n right: 3";

fn fixture_mode() -> Option<String> {
    env::var(FIXTURE).ok()
}

fn failing() -> bool {
    fixture_mode().as_deref() == Some("1")
}

/// Tests that behave as a grader's tests do on a learner's code.
mod fixture {
    use super::*;

    #[test]
    fn passes() {}

    #[test]
    fn fails_an_assertion() {
        if failing() {
            assert_eq!(1 + 1, 3, "one and one make two");
        }
    }

    #[test]
    fn calls_todo() {
        if failing() {
            todo!()
        }
    }

    #[test]
    fn panics_over_several_lines() {
        if failing() {
            // As the course's bounded waits do: a blank line before and after.
            panic!("\nthe first line\nthe second line\n");
        }
    }

    #[test]
    fn quits_without_a_panic() {
        if failing() {
            std::process::exit(3);
        }
    }

    #[test]
    fn sleeps() {
        if fixture_mode().as_deref() == Some("sleep") {
            std::thread::sleep(Duration::from_secs(60));
        }
    }
}

/// The fixtures' full names, sorted as the runner lists them.
const FIXTURES: [&str; 6] = [
    "fixture::calls_todo",
    "fixture::fails_an_assertion",
    "fixture::panics_over_several_lines",
    "fixture::passes",
    "fixture::quits_without_a_panic",
    "fixture::sleeps",
];

/// This test executable, run by the runner with `GRADE_FIXTURE` set to `mode`.
fn this_executable(mode: &str) -> TestExecutable {
    let path = env::current_exe().expect("a test knows its own executable");
    TestExecutable::new(path, PathBuf::from(env!("CARGO_MANIFEST_DIR"))).with_env(FIXTURE, mode)
}

fn names(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

/// Runs `tests` of this executable in fixture mode `mode`.
fn run(mode: &str, tests: &[&str]) -> Outcome {
    grader::run_listed(
        &this_executable(mode),
        &names(tests),
        grader::TEST_TIME_LIMIT,
    )
}

/// The contract tests, which run the fixtures. Run as fixtures themselves (the runner
/// lists every test of the executable), they do nothing: they would run the fixtures
/// again, without end.
mod contract {
    use super::*;

    fn in_fixture_mode() -> bool {
        fixture_mode().is_some()
    }

    #[test]
    fn the_listing_finds_every_test_and_nothing_else() {
        if in_fixture_mode() {
            return;
        }
        let listed = grader::list_tests(&this_executable("1")).expect("the listing runs");
        let fixtures: Vec<&str> = listed
            .iter()
            .map(String::as_str)
            .filter(|name| name.starts_with("fixture::"))
            .collect();
        assert_eq!(fixtures, FIXTURES);
        assert!(listed.contains(&"contract::the_listing_finds_every_test_and_nothing_else".into()));
        for name in &listed {
            assert!(
                name.starts_with("fixture::") || name.starts_with("contract::"),
                "{name} is not a test of this file"
            );
        }
    }

    #[test]
    fn passing_tests_pass() {
        if in_fixture_mode() {
            return;
        }
        assert_eq!(
            run("1", &["fixture::passes", "fixture::sleeps"]),
            Outcome::Passed
        );
    }

    #[test]
    fn a_failed_assertion_is_reported_with_its_message() {
        if in_fixture_mode() {
            return;
        }
        assert_eq!(
            run("1", &["fixture::fails_an_assertion", "fixture::passes"]),
            Outcome::Failed {
                tests: names(&["fixture::fails_an_assertion"]),
                message: ASSERTION_MESSAGE.to_owned(),
            }
        );
    }

    #[test]
    fn a_message_over_several_lines_is_read_whole() {
        if in_fixture_mode() {
            return;
        }
        assert_eq!(
            run("1", &["fixture::panics_over_several_lines"]),
            Outcome::Failed {
                tests: names(&["fixture::panics_over_several_lines"]),
                message: "the first line\nthe second line".to_owned(),
            }
        );
    }

    #[test]
    fn only_todo_means_not_started() {
        if in_fixture_mode() {
            return;
        }
        assert_eq!(
            run("1", &["fixture::calls_todo", "fixture::passes"]),
            Outcome::NotStarted {
                tests: names(&["fixture::calls_todo"]),
            }
        );
    }

    #[test]
    fn a_test_that_quits_without_a_panic_fails_with_its_exit() {
        if in_fixture_mode() {
            return;
        }
        let Outcome::Failed { tests, message } = run("1", &["fixture::quits_without_a_panic"])
        else {
            panic!("expected a failure");
        };
        assert_eq!(tests, ["fixture::quits_without_a_panic"]);
        assert!(message.contains("exit status: 3"), "{message}");
    }

    #[test]
    fn the_whole_executable_fails_by_its_first_real_failure_by_name() {
        if in_fixture_mode() {
            return;
        }
        assert_eq!(
            grader::run_tests(&this_executable("1")),
            Outcome::Failed {
                tests: names(&[
                    "fixture::calls_todo",
                    "fixture::fails_an_assertion",
                    "fixture::panics_over_several_lines",
                    "fixture::quits_without_a_panic",
                ]),
                message: ASSERTION_MESSAGE.to_owned(),
            }
        );
    }

    #[test]
    fn a_test_that_hangs_is_stopped_at_the_bound() {
        if in_fixture_mode() {
            return;
        }
        let bound = Duration::from_millis(300);
        let started = Instant::now();
        let outcome = grader::run_listed(
            &this_executable("sleep"),
            &names(&["fixture::sleeps", "fixture::passes"]),
            bound,
        );
        let elapsed = started.elapsed();
        let Outcome::Failed { tests, message } = outcome else {
            panic!("expected the sleeping test to be stopped, not {outcome:?}");
        };
        assert_eq!(tests, ["fixture::sleeps"]);
        assert!(message.starts_with("stopped after 300 ms"), "{message}");
        // The fixture sleeps for a minute; being stopped takes the bound and a little.
        assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
    }
}
