//! The exercises, in the order the course teaches them.
//!
//! This list is the single source of truth for that order: `cargo grade` walks it,
//! `--list` prints it, and a test below checks it against the files on disk, so that
//! an exercise added without an entry here (or an entry without its files) is caught.

use crate::hints;

/// One exercise, and where its parts live.
///
/// An exercise `id` owns these files: the learner's stub `lessons/exercises/src/{id}.rs`,
/// its grader (test target `lessons/exercises/tests/{id}.rs`, whose body is shared with
/// the solutions in `lessons/exercises/graders/{id}.rs`), its three hints
/// `lessons/exercises/hints/{id}/1.md`, `2.md` and `3.md`, and the reference solution
/// `solutions/src/{id}.rs` with its test `solutions/tests/{id}.rs`.
#[derive(Debug)]
pub struct Exercise {
    /// The exercise's name, also the name of its grader test target.
    pub id: &'static str,
    /// The lesson binary (`lessons/src/bin/{lesson}.rs`) that shows the bug it fixes.
    pub lesson: &'static str,
    /// What the learner makes work, in a few words.
    pub title: &'static str,
    /// Printed when the grader fails, one at a time: the texts of
    /// `lessons/exercises/hints/{id}/1.md` to `3.md` (see [`hints`](crate::hints)).
    pub hints: [&'static str; hints::LEVELS],
    /// Plausible wrong answers the grader must reject: test targets of the `mistakes`
    /// package (`lessons/mistakes/tests/{mistake}.rs`), checked by `--expect-caught`.
    pub mistakes: &'static [&'static str],
}

impl Exercise {
    /// Hint number `level`, counted from 1 as the files and the book count them.
    pub fn hint(&self, level: usize) -> &'static str {
        self.hints[level - 1]
    }

    /// The command that runs this exercise's grader alone, with libtest's full output.
    pub fn rerun_command(&self) -> String {
        format!("cargo test -p exercises --test {}", self.id)
    }
}

/// Builds an entry; the hint files' names come from the id, so that the two cannot
/// drift apart. The hints are compiled in, so a missing hint file is a build error.
macro_rules! exercise {
    ($id:literal, $lesson:literal, $title:literal, mistakes: $mistakes:expr) => {
        Exercise {
            id: $id,
            lesson: $lesson,
            title: $title,
            hints: [
                include_str!(concat!("../../exercises/hints/", $id, "/1.md")),
                include_str!(concat!("../../exercises/hints/", $id, "/2.md")),
                include_str!(concat!("../../exercises/hints/", $id, "/3.md")),
            ],
            mistakes: &$mistakes,
        }
    };
}

/// Every exercise, in course order.
pub const EXERCISES: &[Exercise] = &[
    exercise!(
        "ex01_fan_out",
        "01_naive_fanout",
        "ask for everything at once",
        mistakes: [
            "ex01_completion_order",
            "ex01_four_at_a_time",
            "ex01_placed_by_key",
            "ex01_sequential",
            "ex01_spawned_handles_in_order",
        ]
    ),
    exercise!(
        "ex02_deadline",
        "02_timeout_leak",
        "a deadline that stops the work",
        mistakes: [
            "ex02_aborts_on_its_own_timeout",
            "ex02_checks_the_clock_afterwards",
            "ex02_spawned_then_timed_out",
            "ex02_timeout_per_call",
        ]
    ),
    exercise!(
        "ex03_cancel_spawned",
        "03_timeout_fixed",
        "a spawned task that belongs to its caller",
        mistakes: [
            "ex03_abort_after_the_await",
            "ex03_no_spawn",
            "ex03_panic_resumed",
            "ex03_plain_spawn",
        ]
    ),
    exercise!(
        "ex04_pollers",
        "04_cancellation",
        "pollers in a cancellation tree",
        mistakes: [
            "ex04_checks_between_calls",
            "ex04_shared_token",
            "ex04_spins_after_cancel",
            "ex04_tokens_out_of_order",
            "ex04_unrelated_tokens",
            "ex04_untracked",
        ]
    ),
    exercise!(
        "ex05_safe_logger",
        "06_logger_fixed",
        "a logger that never blocks a request",
        mistakes: [
            "ex05_drains_without_closing",
            "ex05_no_flush",
            "ex05_outlives_its_logger",
            "ex05_racy_drop_count",
            "ex05_unbounded",
            "ex05_writes_concurrently",
        ]
    ),
    exercise!(
        "ex06_bounded_pool",
        "08_workers_fixed",
        "a pool that sheds load and stops when told",
        mistakes: [
            "ex06_connect_timeout_only",
            "ex06_lock_held_while_working",
            "ex06_never_stops",
            "ex06_panics_after_shutdown",
            "ex06_read_timeout_only",
            "ex06_spins_when_dropped",
        ]
    ),
    exercise!(
        "ex07_planted_leak",
        "12_leak_hunt",
        "find the leak and fix it",
        mistakes: [
            "ex07_aborted_only_on_answer",
            "ex07_audit_cancelled_with_the_request",
            "ex07_no_heartbeat",
            "ex07_stops_a_period_late",
        ]
    ),
    exercise!(
        "ex08_singleflight",
        "09_singleflight",
        "build the singleflight group",
        mistakes: [
            "ex08_check_then_insert",
            "ex08_leader_runs_the_work",
            "ex08_lost_wake_up",
            "ex08_panic_not_caught",
            "ex08_reruns_after_a_panic",
            "ex08_stale_flight_removes_the_new_one",
        ]
    ),
    exercise!(
        "ex09_coalesce_key",
        "10_singleflight_middleware",
        "what may be coalesced, and how",
        mistakes: [
            "ex09_authorization_only",
            "ex09_conditionals_partly",
            "ex09_every_header",
            "ex09_first_line_only",
            "ex09_first_value_only",
            "ex09_no_host",
            "ex09_no_query",
            "ex09_path_and_query_glued",
            "ex09_refuses_listed_methods",
            "ex09_set_cookie_only",
            "ex09_substring_match",
        ]
    ),
    exercise!(
        "ex10_fail_fast",
        "04_cancellation",
        "fail the rest when one fails",
        mistakes: [
            "ex10_aborted_only_on_error",
            "ex10_aborts_without_waiting",
            "ex10_as_many_as_the_cores",
            "ex10_completion_order",
            "ex10_errors_in_the_order_given",
            "ex10_handles_awaited_in_order",
            "ex10_join_all_then_first_error",
            "ex10_no_spawn",
            "ex10_others_left_running",
            "ex10_panic_ends_the_loop",
            "ex10_panics_with_the_join_error",
        ]
    ),
    exercise!(
        "ex11_blocking_deadline",
        "03_timeout_fixed",
        "blocking work that stops at the deadline",
        mistakes: [
            "ex11_aborts_the_blocking_task",
            "ex11_block_in_place",
            "ex11_checks_its_own_deadline",
            "ex11_expects_the_join_error",
            "ex11_flag_set_on_timeout_only",
            "ex11_panic_reported_as_timeout",
            "ex11_runs_on_after_a_panic",
            "ex11_spawned_then_timed_out",
            "ex11_steps_on_the_async_worker",
            "ex11_waits_for_the_step_under_way",
            "ex11_yields_between_steps",
        ]
    ),
    exercise!(
        "ex12_graceful_shutdown",
        "08_workers_fixed",
        "the shutdown sequence of a small server",
        mistakes: [
            "ex12_background_waited_before_the_drain",
            "ex12_background_waited_for_ever",
            "ex12_deadline_from_the_start",
            "ex12_drains_for_ever",
            "ex12_exits_at_once",
            "ex12_forgets_the_background",
            "ex12_keeps_accepting",
            "ex12_polls_the_ended_server",
            "ex12_returns_at_the_deadline",
            "ex12_timeout_per_request",
            "ex12_tracker_never_closed",
        ]
    ),
    exercise!(
        "ex13_leak_test",
        "12_leak_hunt",
        "a test that proves no task outlives the server",
        mistakes: [
            "ex13_baseline_after_start",
            "ex13_count_only",
            "ex13_no_grace",
            "ex13_registry_only",
            "ex13_runtime_dropped",
            "ex13_server_handle_dropped",
            "ex13_shared_runtime",
            "ex13_unbounded_shutdown",
            "ex13_waits_for_the_tracker",
        ]
    ),
    exercise!(
        "ex14_cancel_safe_loop",
        "04_cancellation",
        "a select! loop that loses nothing",
        mistakes: [
            "ex14_body_read_exact_in_select",
            "ex14_finishes_the_frame_before_stopping",
            "ex14_finishes_the_frame_outside_select",
            "ex14_forwards_the_rest_at_the_end",
            "ex14_heartbeat_send_ignores_stop",
            "ex14_heartbeats_from_a_task",
            "ex14_ignores_a_closed_channel",
            "ex14_one_frame_per_read",
            "ex14_read_exact_in_select",
            "ex14_send_ignores_stop",
            "ex14_timer_restarts_on_every_read",
        ]
    ),
    exercise!(
        "ex15_fleet_lease",
        "13_fleet_stampede",
        "a lease in Redis that only its holder can use",
        mistakes: [
            "ex15_acquire_without_px",
            "ex15_fence_checked_then_set",
            "ex15_holder_is_the_process_id",
            "ex15_lease_in_whole_seconds",
            "ex15_lost_lease_abandons_work",
            "ex15_no_fencing",
            "ex15_no_renewal",
            "ex15_release_checked_then_deleted",
            "ex15_release_with_plain_del",
            "ex15_renew_by_setting_again",
            "ex15_renew_error_ends_hold_while",
            "ex15_renew_with_plain_pexpire",
            "ex15_renewal_task_outlives_a_drop",
            "ex15_result_ttl_is_the_lease_ttl",
            "ex15_skip_write_when_renewal_failed",
            "ex15_token_compared_as_strings",
            "ex15_token_expires_with_the_lease",
            "ex15_token_on_the_lease_key",
            "ex15_token_taken_after_the_lease",
            "ex15_work_spawned_on_a_task",
            "ex15_write_fenced_in_whole_seconds",
        ]
    ),
];

/// The exercise named `id`, with its position in the course (from 1).
pub fn find(id: &str) -> Option<(usize, &'static Exercise)> {
    EXERCISES
        .iter()
        .enumerate()
        .find(|(_, exercise)| exercise.id == id)
        .map(|(index, exercise)| (index + 1, exercise))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace_root;
    use std::collections::BTreeSet;
    use std::path::Path;

    /// The hint files of exercise `id`, from the workspace root: `1.md` to `3.md`.
    fn hint_files(id: &str) -> Vec<String> {
        (1..=hints::LEVELS)
            .map(|level| format!("lessons/exercises/hints/{id}/{level}.md"))
            .collect()
    }

    /// The names (without `.rs`) of the Rust files directly in `dir`.
    fn rust_files_in(dir: &Path) -> BTreeSet<String> {
        let entries = std::fs::read_dir(dir)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()));
        entries
            .map(|entry| entry.expect("a readable directory entry").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
            .filter_map(|path| Some(path.file_stem()?.to_str()?.to_owned()))
            .collect()
    }

    #[test]
    fn catalog_matches_the_files_on_disk() {
        let root = workspace_root();
        let mut problems = Vec::new();

        for exercise in EXERCISES {
            let id = exercise.id;
            let mut files = vec![
                format!("lessons/exercises/src/{id}.rs"),
                format!("lessons/exercises/tests/{id}.rs"),
                format!("lessons/exercises/graders/{id}.rs"),
                format!("solutions/src/{id}.rs"),
                format!("solutions/tests/{id}.rs"),
            ];
            files.extend(hint_files(id));
            for file in files {
                if !root.join(&file).is_file() {
                    problems.push(format!("{id}: {file} is missing"));
                }
            }
            // A lesson is a binary: a single file, or a directory with a main.rs.
            let lesson = root.join("lessons/src/bin").join(exercise.lesson);
            if !lesson.with_extension("rs").is_file() && !lesson.join("main.rs").is_file() {
                problems.push(format!(
                    "{id}: its lesson lessons/src/bin/{}.rs is missing",
                    exercise.lesson
                ));
            }
        }

        // Every grader, in both packages, must be in the catalog, or `cargo grade`
        // would never run it.
        for dir in ["lessons/exercises/tests", "solutions/tests"] {
            for name in rust_files_in(&root.join(dir)) {
                if find(&name).is_none() {
                    problems.push(format!("{dir}/{name}.rs is not in the catalog"));
                }
            }
        }

        // The hints folder holds a folder per exercise and nothing else: a hint left
        // in the old single-file layout, or a fourth hint, would never be shown.
        let hints_dir = root.join("lessons/exercises/hints");
        for entry in std::fs::read_dir(&hints_dir).expect("lessons/exercises/hints exists") {
            let path = entry.expect("a readable directory entry").path();
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            if !path.is_dir() || find(&name).is_none() {
                problems.push(format!(
                    "lessons/exercises/hints/{name} is not the hints folder of an exercise \
                     in the catalog"
                ));
                continue;
            }
            let expected: BTreeSet<_> = hint_files(&name).into_iter().collect();
            for inside in std::fs::read_dir(&path).expect("a readable hints folder") {
                let inside = inside.expect("a readable directory entry").file_name();
                let file = format!(
                    "lessons/exercises/hints/{name}/{}",
                    inside.to_string_lossy()
                );
                if !expected.contains(&file) {
                    problems.push(format!(
                        "{file} is not one of the {} hints `cargo grade` and the book show",
                        hints::LEVELS
                    ));
                }
            }
        }

        // The same for the mistakes: each listed one exists, each existing one is listed
        // (with its exercise, whose grader it must include).
        let listed: BTreeSet<_> = EXERCISES
            .iter()
            .flat_map(|exercise| exercise.mistakes.iter().map(move |m| (*m, exercise.id)))
            .collect();
        for (mistake, id) in &listed {
            let file = format!("lessons/mistakes/tests/{mistake}.rs");
            match std::fs::read_to_string(root.join(&file)) {
                Ok(text) if text.contains(&format!("graders/{id}.rs")) => {}
                Ok(_) => problems.push(format!("{file} does not include {id}'s grader")),
                Err(_) => problems.push(format!("{id}: {file} is missing")),
            }
        }
        for name in rust_files_in(&root.join("lessons/mistakes/tests")) {
            if !listed.iter().any(|(mistake, _)| *mistake == name) {
                problems.push(format!(
                    "lessons/mistakes/tests/{name}.rs is not in the catalog"
                ));
            }
        }

        assert!(
            problems.is_empty(),
            "the catalog (lessons/grade/src/catalog.rs) and the files disagree:\n  {}",
            problems.join("\n  ")
        );
    }

    #[test]
    fn ids_are_unique_and_numbered_in_order() {
        let ids: BTreeSet<_> = EXERCISES.iter().map(|exercise| exercise.id).collect();
        assert_eq!(ids.len(), EXERCISES.len(), "an id appears twice");
        for (index, exercise) in EXERCISES.iter().enumerate() {
            let number = format!("ex{:02}_", index + 1);
            assert!(
                exercise.id.starts_with(&number),
                "{} is exercise {} of the course: its id should start with {number}",
                exercise.id,
                index + 1
            );
        }
    }

    #[test]
    fn every_exercise_has_three_mistakes_its_grader_must_catch() {
        for exercise in EXERCISES {
            assert!(
                exercise.mistakes.len() >= 3,
                "{}: list at least three plausible wrong answers its grader must reject, \
                 covering the classes of half-right answers that apply (lessons/mistakes)",
                exercise.id
            );
        }
    }

    #[test]
    fn every_exercise_has_three_different_hints() {
        for exercise in EXERCISES {
            for level in 1..=hints::LEVELS {
                assert!(
                    !exercise.hint(level).trim().is_empty(),
                    "{}: hint {level} (lessons/exercises/hints/{}/{level}.md) is empty",
                    exercise.id,
                    exercise.id
                );
            }
            let different: BTreeSet<_> = exercise.hints.iter().map(|hint| hint.trim()).collect();
            assert_eq!(
                different.len(),
                hints::LEVELS,
                "{}: two of its hints are the same text; each should go a step further",
                exercise.id
            );
        }
    }
}
