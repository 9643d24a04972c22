//! Builds a grader's test executable with cargo, and finds it in what cargo says.
//!
//! `cargo test --no-run --message-format=json` builds a test target without running
//! it, and describes the build on stdout as JSON messages, one per line: an interface
//! cargo documents and keeps stable (it is what IDEs and cargo-nextest read), unlike
//! the text it prints for people. Two kinds of message matter here: the test target's
//! `compiler-artifact`, which names the executable and the package's manifest, and
//! rustc's `compiler-message`s of level `error` (with the note after them), which
//! carry each error rendered as a terminal would show it.

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::{Outcome, workspace_root};

/// A grader's built test executable, and what it needs to run as `cargo test` runs it.
#[derive(Debug, Clone)]
pub struct TestExecutable {
    pub path: PathBuf,
    /// The directory of the package the test belongs to: `cargo test` runs a test with
    /// its package's directory as the current directory, so a test may open files by
    /// paths relative to it.
    pub package_dir: PathBuf,
    /// Variables to set in each test's environment.
    pub env: Vec<(String, String)>,
}

impl TestExecutable {
    /// The executable at `path`, run in `package_dir` as cargo would run it.
    pub fn new(path: PathBuf, package_dir: PathBuf) -> TestExecutable {
        // `cargo test` also sets its package variables in a test's environment; of
        // those, CARGO_MANIFEST_DIR is the one a test is likely to read at run time,
        // to find its package's files.
        let env = vec![(
            "CARGO_MANIFEST_DIR".to_owned(),
            package_dir.display().to_string(),
        )];
        TestExecutable {
            path,
            package_dir,
            env,
        }
    }

    /// The same executable with one more variable in each test's environment.
    pub fn with_env(mut self, name: &str, value: &str) -> TestExecutable {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// Builds the test target `test` of `package`, rebuilding the code it tests first if
/// it changed (which is what the learner wants after every edit): its executable, or
/// the outcome of a build that failed.
///
/// Fails only if cargo itself cannot be started.
pub fn build(package: &str, test: &str) -> io::Result<Result<TestExecutable, Outcome>> {
    let output = Command::new(cargo())
        .current_dir(workspace_root())
        .args(["test", "--no-run", "--message-format=json"])
        .args(["--quiet", "--color", "never"])
        .args(["--package", package, "--test", test])
        .stdin(Stdio::null())
        .output()?;
    Ok(read_build(
        output.status.success(),
        &String::from_utf8_lossy(&output.stdout),
        &String::from_utf8_lossy(&output.stderr),
        test,
    ))
}

/// Reads a build of the test target `test`: `success` is cargo's exit status,
/// `messages` its stdout (the JSON messages), `stderr` what it wrote for people, shown
/// only when the build failed without a compile error.
pub fn read_build(
    success: bool,
    messages: &str,
    stderr: &str,
    test: &str,
) -> Result<TestExecutable, Outcome> {
    let messages: Vec<Value> = messages
        .lines()
        // Anything that is not a JSON object is not a message: skip it.
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect();
    if !success {
        let rendered = if messages.iter().any(is_error) {
            messages.iter().filter_map(rendered_error_or_note).collect()
        } else {
            Vec::new()
        };
        return Err(Outcome::from_failed_build(&rendered, stderr));
    }
    messages
        .iter()
        .find_map(|message| test_executable(message, test))
        .ok_or_else(|| Outcome::CouldNotRun {
            lines: vec![format!(
                "cargo built the test target {test} but named no executable for it"
            )],
        })
}

/// Whether `message` is one of rustc's errors.
fn is_error(message: &Value) -> bool {
    message["reason"] == "compiler-message" && message["message"]["level"] == "error"
}

/// rustc's rendered text of an error, if `message` is one, or of the note that
/// follows the errors (`For more information about this error, try rustc --explain
/// E0308`), shown after them as a terminal shows it. Warnings are left out.
fn rendered_error_or_note(message: &Value) -> Option<String> {
    let is_note =
        message["reason"] == "compiler-message" && message["message"]["level"] == "failure-note";
    if !is_error(message) && !is_note {
        return None;
    }
    Some(message["message"]["rendered"].as_str()?.to_owned())
}

/// The executable of the test target `test`, if `message` announces it: a test build
/// (`profile.test`) of a target of that name that produced an executable.
fn test_executable(message: &Value, test: &str) -> Option<TestExecutable> {
    if message["reason"] != "compiler-artifact"
        || message["profile"]["test"] != true
        || message["target"]["name"] != test
    {
        return None;
    }
    let path = message["executable"].as_str()?;
    let manifest = Path::new(message["manifest_path"].as_str()?);
    Some(TestExecutable::new(
        PathBuf::from(path),
        manifest.parent()?.to_path_buf(),
    ))
}

/// The cargo to run: the one that runs us, when we run under `cargo run` (it sets
/// `CARGO`), so that a learner with several toolchains grades with the same one.
fn cargo() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `cargo test --no-run --message-format=json --test ex01_fan_out` prints
    /// (cargo 1.95, abridged): the library, built for the test, then the test.
    const BUILT: &str = r#"{"reason":"compiler-artifact","package_id":"path+file:///course/lessons/exercises#0.1.0","manifest_path":"/course/lessons/exercises/Cargo.toml","target":{"kind":["lib"],"crate_types":["lib"],"name":"exercises","src_path":"/course/lessons/exercises/src/lib.rs","edition":"2024","doc":true,"doctest":true,"test":true},"profile":{"opt_level":"0","debuginfo":0,"debug_assertions":true,"overflow_checks":true,"test":false},"features":[],"filenames":["/course/target/debug/deps/libexercises-1a2b.rlib"],"executable":null,"fresh":true}
{"reason":"compiler-artifact","package_id":"path+file:///course/lessons/exercises#0.1.0","manifest_path":"/course/lessons/exercises/Cargo.toml","target":{"kind":["test"],"crate_types":["bin"],"name":"ex01_fan_out","src_path":"/course/lessons/exercises/tests/ex01_fan_out.rs","edition":"2024","doc":false,"doctest":false,"test":true},"profile":{"opt_level":"0","debuginfo":0,"debug_assertions":true,"overflow_checks":true,"test":true},"features":[],"filenames":["/course/target/debug/deps/ex01_fan_out-3c4d"],"executable":"/course/target/debug/deps/ex01_fan_out-3c4d","fresh":false}
{"reason":"build-finished","success":true}
"#;

    /// A build that failed: a warning, two errors and rustc's closing note.
    const FAILED: &str = r#"{"reason":"compiler-message","package_id":"path+file:///course/lessons/exercises#0.1.0","manifest_path":"/course/lessons/exercises/Cargo.toml","target":{"kind":["lib"],"name":"exercises"},"message":{"level":"warning","message":"unused variable: `deadline`","rendered":"warning: unused variable: `deadline`\n --> lessons/exercises/src/ex02_deadline.rs:9:9\n\n"}}
{"reason":"compiler-message","package_id":"path+file:///course/lessons/exercises#0.1.0","manifest_path":"/course/lessons/exercises/Cargo.toml","target":{"kind":["lib"],"name":"exercises"},"message":{"level":"error","message":"mismatched types","rendered":"error[E0308]: mismatched types\n --> lessons/exercises/src/ex02_deadline.rs:12:5\n  |\n12 |     \"x\"\n  |     ^^^ expected `u32`, found `&str`\n\n"}}
{"reason":"compiler-message","package_id":"path+file:///course/lessons/exercises#0.1.0","manifest_path":"/course/lessons/exercises/Cargo.toml","target":{"kind":["lib"],"name":"exercises"},"message":{"level":"error","message":"cannot find value `later` in this scope","rendered":"error[E0425]: cannot find value `later` in this scope\n --> lessons/exercises/src/ex02_deadline.rs:20:5\n\n"}}
{"reason":"compiler-message","package_id":"path+file:///course/lessons/exercises#0.1.0","manifest_path":"/course/lessons/exercises/Cargo.toml","target":{"kind":["lib"],"name":"exercises"},"message":{"level":"failure-note","message":"For more information about this error, try `rustc --explain E0308`.","rendered":"For more information about this error, try `rustc --explain E0308`.\n"}}
{"reason":"build-finished","success":false}
"#;

    const FAILED_STDERR: &str =
        "error: could not compile `exercises` (lib) due to 2 previous errors\n";

    #[test]
    fn finds_the_test_executable_and_its_package() {
        let executable = read_build(true, BUILT, "", "ex01_fan_out").unwrap();
        assert_eq!(
            executable.path,
            Path::new("/course/target/debug/deps/ex01_fan_out-3c4d")
        );
        assert_eq!(
            executable.package_dir,
            Path::new("/course/lessons/exercises")
        );
        assert!(executable.env.contains(&(
            "CARGO_MANIFEST_DIR".into(),
            "/course/lessons/exercises".into()
        )));
    }

    #[test]
    fn an_executable_of_another_target_is_not_the_one() {
        assert!(matches!(
            read_build(true, BUILT, "", "ex02_deadline"),
            Err(Outcome::CouldNotRun { .. })
        ));
    }

    #[test]
    fn a_compile_error_shows_rustc_errors_and_their_note() {
        let Err(Outcome::DoesNotCompile { errors }) =
            read_build(false, FAILED, FAILED_STDERR, "ex02_deadline")
        else {
            panic!("expected a compile error");
        };
        assert_eq!(errors[0], "error[E0308]: mismatched types");
        assert!(
            errors
                .iter()
                .any(|line| line.starts_with("error[E0425]: cannot find value"))
        );
        assert!(!errors.iter().any(|line| line.starts_with("warning")));
        assert_eq!(
            errors.last().unwrap(),
            "For more information about this error, try `rustc --explain E0308`."
        );
    }

    #[test]
    fn a_failed_build_without_a_compile_error_could_not_run() {
        let stderr = "error: no test target named `ex09_nothing` in `exercises` package\n";
        assert_eq!(
            read_build(false, "", stderr, "ex09_nothing").unwrap_err(),
            Outcome::CouldNotRun {
                lines: vec![stderr.trim_end().to_owned()]
            }
        );
    }

    #[test]
    fn lines_that_are_not_messages_are_skipped() {
        let noisy = format!("not json\n\n{BUILT}");
        assert!(read_build(true, &noisy, "", "ex01_fan_out").is_ok());
    }
}
