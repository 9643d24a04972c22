//! The course's shared code: the kit every lesson, grader and solution is built on.
//!
//! Each lesson is a binary under `src/bin/`; it starts a server in-process, drives it
//! with a real HTTP client, narrates what happens and ends with one `result:` line.
//! What two lessons would otherwise each write lives here, once:
//!
//! * [`kit::TestServer`]: Go's `httptest.NewServer`: an axum router on 127.0.0.1:0.
//! * [`kit::SlowBackend`]: the slow dependency ("the database"), counting its calls.
//! * [`kit::TaskGauge`]: how many tokio tasks are alive, against a baseline.
//! * [`kit::Narrator`] and [`kit::Report`]: time-stamped narration and the `result:` line.
//! * [`kit::Flags`]: `--seed`, `--serve` and `--scale`, shared by every lesson.
//! * [`kit::grading`]: the bounded waits the exercise graders use, so they never hang.
//!
//! [`scenarios`] holds what a broken lesson and its fixed twin both stage, so that
//! their figures compare: the same backends, the same timings. [`singleflight`] is the
//! request-coalescing group that lessons 09 to 11 build on.

pub mod kit;
pub mod scenarios;
pub mod singleflight;
