//! The course's grading runner, `cargo grade`, as a library so that its parts can be
//! tested on their own.
//!
//! Learners solve the exercises in `lessons/exercises` in the order the lessons teach
//! them. Each exercise has a grader, a test target of the same name; running four
//! `cargo test` commands by hand and reading libtest's output to find the one failure
//! that matters is not the lesson, so the runner does it: it runs the graders in
//! course order, stops at the first that fails and says why, with that exercise's first
//! hint (and the flag that shows the next).
//!
//! The runner must keep working when the learner updates their toolchain, so it reads
//! no report meant for people to decide what happened. It builds a grader through
//! cargo's JSON messages, lists its tests with `--list --format terse`, runs each alone
//! with `--exact` and takes its exit status as the verdict: interfaces that cargo and
//! libtest keep stable because tools such as IDEs and cargo-nextest depend on them.
//! Text is read only for the message shown with a failure, from the panic hook's
//! `panicked at` line, and a failure whose message cannot be found is still a failure.
//!
//! * [`catalog`]: the exercises, in order: the single list everything else follows.
//! * [`executable`]: builds a grader with cargo and finds its test executable, or
//!   rustc's errors, in cargo's JSON messages.
//! * [`grader`]: lists a grader's tests and runs each alone, bounded in time.
//! * [`hints`]: the three hints of each exercise, which one to show, and how.
//! * [`watch`]: grades again on every save (`--watch`).
//! * [`reset`]: puts an exercise's untouched stub back (`--reset`).
//! * [`outcome`]: what the runs came to: passed, not started, failed, did not compile
//!   or could not run, and the message to show.

pub mod catalog;
pub mod executable;
pub mod grader;
pub mod hints;
pub mod outcome;
pub mod reset;
pub mod watch;

pub use catalog::{EXERCISES, Exercise};
pub use outcome::Outcome;

use std::path::{Path, PathBuf};

/// The variable that points the runner at another copy of the course: the runner's
/// own tests grade a copy they can edit, never the learner's files.
pub const WORKSPACE_VARIABLE: &str = "GRADE_WORKSPACE";

/// The workspace root, where cargo is run from to build the graders.
///
/// This package lives at `lessons/grade`, two levels below the root. The path is fixed
/// when the runner is compiled, which is fine: it is only ever run through cargo, from
/// this checkout ([`WORKSPACE_VARIABLE`] aside).
pub fn workspace_root() -> PathBuf {
    if let Some(copy) = std::env::var_os(WORKSPACE_VARIABLE) {
        return PathBuf::from(copy);
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("lessons/grade sits two levels below the workspace root")
        .to_path_buf()
}
