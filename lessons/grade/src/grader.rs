//! Runs one exercise's grader and keeps what it printed.
//!
//! The grader is a test target of the `exercises` package, so running it means running
//! `cargo test`: that rebuilds the learner's code first, which is what we want after
//! every edit. Its output is captured, not shown: [`Outcome::parse`] picks out the part
//! worth reading.

use std::ffi::OsString;
use std::io;
use std::process::{Command, Stdio};

use crate::{Exercise, Outcome, workspace_root};

/// Runs the grader of `exercise` on the learner's file, to the end, and reads its output.
///
/// Fails only if cargo itself cannot be started.
pub fn run(exercise: &Exercise) -> io::Result<Outcome> {
    run_target("exercises", exercise.id)
}

/// Runs the test target `test` of `package` (a grader, on the learner's file or on a
/// known mistake) and reads its output.
pub fn run_target(package: &str, test: &str) -> io::Result<Outcome> {
    let output = Command::new(cargo())
        .current_dir(workspace_root())
        .args(["test", "--quiet", "--color", "never"])
        .args(["--package", package, "--test", test])
        // A grader has nothing to read; this keeps one that tries from waiting on the
        // learner's terminal.
        .stdin(Stdio::null())
        .output()?;
    Ok(Outcome::parse(
        output.status.success(),
        &String::from_utf8_lossy(&output.stdout),
        &String::from_utf8_lossy(&output.stderr),
    ))
}

/// The cargo to run: the one that runs us, when we run under `cargo run` (it sets
/// `CARGO`), so that a learner with several toolchains grades with the same one.
fn cargo() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}
