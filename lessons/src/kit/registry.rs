//! Named tasks, listed: Go's goroutine dump (`/debug/pprof/goroutine`), for tokio.
//!
//! `num_alive_tasks` says how many tasks are alive, not which. A leak hunt needs the
//! which: spawn through a registry, and every live task is listed with the name it was
//! given, the line that spawned it and how long it has been alive. Two listings taken
//! before and after some load, compared, point at the code path that leaks.
//! (tokio-console shows the same and more, with a build flag; see lesson 12.)

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

/// Spawns named tasks on a `TaskTracker` and lists the live ones. Cheap to clone.
///
/// ```
/// use lessons::kit::{TaskRegistry, ms};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let tasks = TaskRegistry::default();
/// let before = tasks.snapshot();
/// tasks.spawn("sleeper", tokio::time::sleep(ms(50)));
/// let grown = tasks.snapshot().grown_since(&before);
/// assert_eq!(grown[0].name, "sleeper");
/// assert_eq!(grown[0].count, 1);
/// # }
/// ```
#[derive(Clone, Default)]
pub struct TaskRegistry {
    live: Arc<Mutex<BTreeMap<u64, LiveTask>>>,
    next_id: Arc<AtomicU64>,
    tracker: TaskTracker,
}

/// What the registry knows of a live task.
struct LiveTask {
    name: &'static str,
    spawned_at: &'static Location<'static>,
    since: Instant,
}

/// The live tasks of one name and spawn site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskGroup {
    pub name: &'static str,
    /// `file:line` of the `spawn` call.
    pub spawned_at: String,
    pub count: usize,
    /// How long the oldest of them has been alive.
    pub oldest: Duration,
}

/// The live tasks at one moment, grouped, the largest group first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskSnapshot {
    pub groups: Vec<TaskGroup>,
}

const NO_PANIC_HOLDING_LOCK: &str = "no code panics while holding the registry's lock";

impl TaskRegistry {
    /// Spawns `work` as a task named `name`, listed until it ends (or is aborted).
    #[track_caller]
    pub fn spawn<F>(&self, name: &'static str, work: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let task = LiveTask {
            name,
            spawned_at: Location::caller(),
            since: Instant::now(),
        };
        self.live
            .lock()
            .expect(NO_PANIC_HOLDING_LOCK)
            .insert(id, task);
        let listing = Listed {
            live: self.live.clone(),
            id,
        };
        // A span per task, for `RUST_LOG=debug`: what the task logs is shown inside it.
        let span = tracing::debug_span!("task", name, id);
        self.tracker.spawn(
            async move {
                // Dropped when the task ends, however it ends: the listing forgets it.
                let _listing = listing;
                work.await
            }
            .instrument(span),
        )
    }

    /// The tracker the tasks run on: close it and `wait()` to see them all end.
    pub fn tracker(&self) -> &TaskTracker {
        &self.tracker
    }

    /// The live tasks now, grouped by name and spawn site.
    pub fn snapshot(&self) -> TaskSnapshot {
        let mut groups: BTreeMap<(&'static str, String), TaskGroup> = BTreeMap::new();
        for task in self.live.lock().expect(NO_PANIC_HOLDING_LOCK).values() {
            let spawned_at = format!("{}:{}", task.spawned_at.file(), task.spawned_at.line());
            let group = groups
                .entry((task.name, spawned_at.clone()))
                .or_insert(TaskGroup {
                    name: task.name,
                    spawned_at,
                    count: 0,
                    oldest: Duration::ZERO,
                });
            group.count += 1;
            group.oldest = group.oldest.max(task.since.elapsed());
        }
        let mut groups: Vec<_> = groups.into_values().collect();
        groups.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(b.name)));
        TaskSnapshot { groups }
    }
}

/// Removes its task from the listing when dropped.
struct Listed {
    live: Arc<Mutex<BTreeMap<u64, LiveTask>>>,
    id: u64,
}

impl Drop for Listed {
    fn drop(&mut self) {
        self.live
            .lock()
            .expect(NO_PANIC_HOLDING_LOCK)
            .remove(&self.id);
    }
}

impl TaskSnapshot {
    /// Tasks listed now.
    pub fn total(&self) -> usize {
        self.groups.iter().map(|group| group.count).sum()
    }

    /// The groups that have more live tasks now than in `before`, by how many more,
    /// the largest growth first: where to look for a leak.
    pub fn grown_since(&self, before: &TaskSnapshot) -> Vec<TaskGroup> {
        let mut grown: Vec<_> = self
            .groups
            .iter()
            .filter_map(|group| {
                let earlier = before
                    .groups
                    .iter()
                    .find(|old| old.name == group.name && old.spawned_at == group.spawned_at)
                    .map_or(0, |old| old.count);
                (group.count > earlier).then(|| TaskGroup {
                    count: group.count - earlier,
                    ..group.clone()
                })
            })
            .collect();
        grown.sort_by_key(|group| std::cmp::Reverse(group.count));
        grown
    }
}

/// One line per group: `  50  price-pump  spawned at src/x.rs:42, oldest 120 ms`.
impl fmt::Display for TaskSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} live tasks", self.total())?;
        for group in &self.groups {
            writeln!(
                f,
                "{:>5}  {:<20} spawned at {}, oldest {} ms",
                group.count,
                group.name,
                group.spawned_at,
                group.oldest.as_millis()
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::ms;

    #[tokio::test(start_paused = true)]
    async fn finished_and_aborted_tasks_leave_the_listing() {
        let tasks = TaskRegistry::default();
        let short = tasks.spawn("short", tokio::time::sleep(ms(10)));
        let endless = tasks.spawn("endless", std::future::pending::<()>());
        assert_eq!(tasks.snapshot().total(), 2);
        short.await.unwrap();
        assert_eq!(tasks.snapshot().total(), 1);
        endless.abort();
        let _ = endless.await;
        assert_eq!(tasks.snapshot().total(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn growth_names_the_group_that_grew() {
        let tasks = TaskRegistry::default();
        tasks.spawn("steady", std::future::pending::<()>());
        let before = tasks.snapshot();
        for _ in 0..3 {
            tasks.spawn("leaky", std::future::pending::<()>());
        }
        tokio::time::sleep(ms(5)).await;
        let grown = tasks.snapshot().grown_since(&before);
        assert_eq!(grown.len(), 1);
        assert_eq!((grown[0].name, grown[0].count), ("leaky", 3));
        assert!(
            grown[0].spawned_at.contains("registry.rs"),
            "{:?}",
            grown[0]
        );
    }
}
