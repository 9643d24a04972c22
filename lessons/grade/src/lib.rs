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
//! * [`catalog`]: the exercises, in order: the single list everything else follows.
//! * [`grader`]: runs one exercise's grader as a child `cargo test`.
//! * [`hints`]: the three hints of each exercise, which one to show, and how.
//! * [`outcome`]: reads what the grader printed: passed, not started, failed, or did
//!   not compile.

pub mod catalog;
pub mod grader;
pub mod hints;
pub mod outcome;

pub use catalog::{EXERCISES, Exercise};
pub use outcome::Outcome;

use std::path::{Path, PathBuf};

/// The workspace root, where the graders are run from.
///
/// This package lives at `lessons/grade`, two levels below the root. The path is fixed
/// when the runner is compiled, which is fine: it is only ever run through cargo, from
/// this checkout.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("lessons/grade sits two levels below the workspace root")
        .to_path_buf()
}
