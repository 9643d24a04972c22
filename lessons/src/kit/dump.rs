//! Task dumps: tokio's counterpart of Go's goroutine dump, where tokio supports them.
//!
//! `Handle::dump()` re-polls every task in a tracing mode and returns, for each, the
//! chain of futures it is parked in: the answer to "where is this task waiting?" that
//! Go prints for every goroutine. It is unstable API: it exists only in a build with
//! `--cfg tokio_unstable` and tokio's `taskdump` feature, on Linux (x86_64, aarch64).
//! Everywhere else this module says so, in one line, and the lessons fall back on the
//! task registry, which works in every build but only sees the tasks spawned through it.

use std::time::Duration;

/// The command that builds a lesson with task dumps.
pub const DUMP_BUILD: &str = "RUSTFLAGS=\"--cfg tokio_unstable\" cargo run --bin 12_leak_hunt";

/// What asking for a dump gave.
#[derive(Debug)]
pub enum TaskDump {
    /// Each live task's trace, as tokio renders it.
    Traces(Vec<String>),
    /// This build has no task dumps; the text says what it needs.
    Unsupported(&'static str),
    /// The dump did not finish in time: tokio waits for every worker, and a worker
    /// blocked for more than 250 ms holds it up for as long as it stays blocked.
    TimedOut,
}

/// Takes a dump of the current runtime's tasks, waiting at most `within`.
#[cfg(all(
    tokio_unstable,
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
pub async fn task_dump(within: Duration) -> TaskDump {
    let handle = tokio::runtime::Handle::current();
    match tokio::time::timeout(within, handle.dump()).await {
        Ok(dump) => TaskDump::Traces(
            dump.tasks()
                .iter()
                .map(|task| tidy(&task.trace().to_string()))
                .collect(),
        ),
        Err(_) => TaskDump::TimedOut,
    }
}

/// Takes a dump of the current runtime's tasks: not in this build.
#[cfg(not(all(
    tokio_unstable,
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
)))]
pub async fn task_dump(_within: Duration) -> TaskDump {
    TaskDump::Unsupported(
        "task dumps need tokio's unstable API: a Linux build (x86_64 or aarch64) with \
         --cfg tokio_unstable",
    )
}

impl TaskDump {
    /// The traces that pass through a frame whose name contains `frame`.
    pub fn through<'a>(&'a self, frame: &'a str) -> impl Iterator<Item = &'a String> + 'a {
        let traces: &[String] = match self {
            TaskDump::Traces(traces) => traces,
            _ => &[],
        };
        traces.iter().filter(move |trace| trace.contains(frame))
    }
}

/// A trace names each frame's source file by its full path on the machine that built
/// it. Shortened to what a reader can look up: `lessons/src/kit/registry.rs:97:22` in
/// this workspace, `tokio-1.54.1/src/sync/broadcast.rs:1503:38` in a crate from the
/// registry, `library/core/src/…` in the standard library.
#[cfg_attr(
    not(all(
        tokio_unstable,
        target_os = "linux",
        any(target_arch = "x86_64", target_arch = "aarch64")
    )),
    allow(dead_code)
)]
fn tidy(trace: &str) -> String {
    let workspace = concat!(env!("CARGO_MANIFEST_DIR"), "/");
    let workspace = workspace.strip_suffix("lessons/").unwrap_or(workspace);
    trace
        .lines()
        .map(|line| {
            let Some((frame, path)) = line.split_once(" at /") else {
                return line.to_owned();
            };
            let path = format!("/{path}");
            let short = if let Some(crate_path) = path.split("/registry/src/").nth(1) {
                // `index.crates.io-<hash>/tokio-1.54.1/src/…`: from the crate's folder.
                crate_path
                    .split_once('/')
                    .map_or(crate_path, |(_, rest)| rest)
            } else if let Some(std_path) = path.strip_prefix("/rustc/") {
                // `/rustc/<commit>/library/…`: from `library`.
                std_path.split_once('/').map_or(std_path, |(_, rest)| rest)
            } else {
                path.strip_prefix(workspace).unwrap_or(&path)
            };
            format!("{frame} at {short}")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidy_keeps_paths_a_reader_can_look_up() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/src/kit/registry.rs");
        let trace = format!(
            "╼ a at /home/me/.cargo/registry/src/index.crates.io-abc/tokio-1.54.1/src/x.rs:1:2\n\
             └╼ b at /rustc/0123/library/core/src/ops.rs:3:4\n\
             └╼ c at {root}:5:6\n\
             └╼ d"
        );
        assert_eq!(
            tidy(&trace),
            "╼ a at tokio-1.54.1/src/x.rs:1:2\n└╼ b at library/core/src/ops.rs:3:4\n\
             └╼ c at lessons/src/kit/registry.rs:5:6\n└╼ d"
        );
    }
}
