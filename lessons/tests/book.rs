//! The book shows code by including it from the real files (`{{#include file:anchor}}`).
//! mdbook renders an include whose anchor is missing as an empty code block and
//! carries on; these checks make that, a lesson without a chapter, and a chapter
//! without its lesson's recorded output, a test failure.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

fn book_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../book/src")
}

/// Every markdown page of the book, in `book/src` and its folders, with its text.
fn pages() -> Vec<(PathBuf, String)> {
    let mut pages = Vec::new();
    let mut folders = vec![book_src()];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder).expect("a readable book folder") {
            let path = entry.expect("a readable directory entry").path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|ext| ext == "md") {
                let text = fs::read_to_string(&path).expect("a readable page");
                pages.push((path, text));
            }
        }
    }
    pages.sort();
    pages
}

/// The `path` and optional `anchor` of every `{{#include path:anchor}}` in `text`.
fn includes(text: &str) -> Vec<(String, Option<String>)> {
    text.split("{{#include ")
        .skip(1)
        .map(|rest| {
            let target = rest.split("}}").next().unwrap_or_default().trim();
            match target.split_once(':') {
                Some((path, anchor)) => (path.to_owned(), Some(anchor.to_owned())),
                None => (target.to_owned(), None),
            }
        })
        .collect()
}

#[test]
fn every_include_names_a_file_and_an_anchor_that_exist() {
    let mut problems = Vec::new();
    for (page, text) in pages() {
        let page_name = page
            .strip_prefix(book_src())
            .unwrap_or(&page)
            .display()
            .to_string();
        // Includes are relative to the page's own folder.
        let folder = page.parent().expect("a page is in a folder");
        for (path, anchor) in includes(&text) {
            let Ok(source) = fs::read_to_string(folder.join(&path)) else {
                problems.push(format!("{page_name}: {path} does not exist"));
                continue;
            };
            if let Some(anchor) = anchor {
                let has = |marker: &str| {
                    source
                        .lines()
                        .any(|line| line.trim() == format!("// {marker}: {anchor}"))
                };
                if !has("ANCHOR") || !has("ANCHOR_END") {
                    problems.push(format!("{page_name}: {path} has no anchor `{anchor}`"));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "broken includes in the book:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn every_lesson_has_a_chapter_in_the_summary() {
    let summary = fs::read_to_string(book_src().join("SUMMARY.md")).expect("SUMMARY.md exists");
    for lesson in lesson_names() {
        let chapter = format!("{lesson}.md");
        assert!(
            summary.contains(&format!("]({chapter})")),
            "lesson {lesson} has no chapter in book/src/SUMMARY.md (expected a link to {chapter})"
        );
        assert!(
            book_src().join(&chapter).is_file(),
            "book/src/{chapter} is missing"
        );
    }
}

#[test]
fn every_exercise_has_a_solution_page_in_the_summary() {
    let summary = fs::read_to_string(book_src().join("SUMMARY.md")).expect("SUMMARY.md exists");
    let exercises = Path::new(env!("CARGO_MANIFEST_DIR")).join("exercises/src");
    let ids: BTreeSet<String> = fs::read_dir(exercises)
        .expect("lessons/exercises/src exists")
        .filter_map(|entry| Some(entry.ok()?.path().file_stem()?.to_str()?.to_owned()))
        .filter(|id| id != "lib")
        .collect();
    assert!(!ids.is_empty(), "no exercises found");
    for id in ids {
        let page = format!("solutions/{id}.md");
        assert!(
            summary.contains(&format!("]({page})")),
            "exercise {id} has no solution page in book/src/SUMMARY.md (expected a link to {page})"
        );
    }
}

/// Each exercise's three hints open one at a time, in the chapter whose header names
/// the exercise: hint 1 in a folded `<details>`, hint 2 in a `<details>` inside it, hint 3
/// inside that. A hint left out, or one that opens beside another instead of inside it,
/// would hand the learner more than they asked for.
#[test]
fn every_exercise_has_its_three_hints_nested_in_its_chapter() {
    let exercises = Path::new(env!("CARGO_MANIFEST_DIR")).join("exercises/src");
    let ids: BTreeSet<String> = fs::read_dir(exercises)
        .expect("lessons/exercises/src exists")
        .filter_map(|entry| Some(entry.ok()?.path().file_stem()?.to_str()?.to_owned()))
        .filter(|id| id != "lib")
        .collect();
    assert!(!ids.is_empty(), "no exercises found");
    let pages = pages();
    for id in ids {
        let folder = format!("exercises/hints/{id}/");
        let showing: Vec<_> = pages
            .iter()
            .filter(|(_, text)| text.contains(&folder))
            .collect();
        let [(page, text)] = showing[..] else {
            panic!(
                "exercise {id}'s hints should be included by exactly one page, its chapter; \
                 {} pages include lessons/{folder}",
                showing.len()
            );
        };
        let page = page.strip_prefix(book_src()).unwrap_or(page).display();
        assert!(
            text.contains(&format!("**exercise:** `{id}`")),
            "{page} includes {id}'s hints, but its header does not name the exercise"
        );
        let hint_at = |level: usize| {
            let include = format!("{folder}{level}.md}}}}");
            text.find(&include).unwrap_or_else(|| {
                panic!("{page} does not include hint {level} of {id} (lessons/{folder}{level}.md)")
            })
        };
        let levels = [hint_at(1), hint_at(2), hint_at(3)];
        let before = &text[..levels[0]];
        assert!(
            before.rfind("<details>") > before.rfind("</details>"),
            "{page}: hint 1 of {id} should be inside a <details>, folded away until opened"
        );
        for (level, pair) in levels.windows(2).enumerate() {
            // `get` is `None` when the hints come out of order.
            let nested = text.get(pair[0]..pair[1]).is_some_and(|between| {
                between.matches("<details>").count() == 1 && !between.contains("</details>")
            });
            assert!(
                nested,
                "{page}: hint {} of {id} should open inside hint {}: after hint {}'s include, \
                 one <details> and no </details> before the next include",
                level + 2,
                level + 1,
                level + 1
            );
        }
    }
}

#[test]
fn every_page_in_the_summary_exists() {
    let summary = fs::read_to_string(book_src().join("SUMMARY.md")).expect("SUMMARY.md exists");
    for link in summary.split("](").skip(1) {
        let target = link.split(')').next().unwrap_or_default();
        assert!(
            book_src().join(target).is_file(),
            "SUMMARY.md links to {target}, which is missing"
        );
    }
}

/// The lesson binaries, by name: `00_test_server`, `01_naive_fanout`, …
fn lesson_names() -> BTreeSet<String> {
    let bins = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/bin");
    fs::read_dir(bins)
        .expect("lessons/src/bin exists")
        .filter_map(|entry| Some(entry.ok()?.path().file_stem()?.to_str()?.to_owned()))
        .collect()
}

/// Each chapter shows its lesson's recorded run (`scripts/outputs` writes it, and the
/// `binaries` test checks it still matches); no recording outlives its lesson.
#[test]
fn every_chapter_shows_its_lessons_recorded_output() {
    let lessons = lesson_names();
    for lesson in &lessons {
        let include = format!("{{{{#include outputs/{lesson}.txt}}}}");
        let chapter = fs::read_to_string(book_src().join(format!("{lesson}.md")))
            .unwrap_or_else(|_| panic!("book/src/{lesson}.md is missing"));
        assert!(
            chapter.contains(&include),
            "book/src/{lesson}.md does not show the lesson's output: add {include} under \"Run it\""
        );
    }
    let recorded = fs::read_dir(book_src().join("outputs")).expect("book/src/outputs exists");
    for entry in recorded {
        let path = entry.expect("a readable directory entry").path();
        let name = path.file_stem().unwrap_or_default().to_string_lossy();
        // `grade.txt` is `cargo grade`'s output, shown by the overview; .ci/run checks it.
        // `12_leak_hunt_dump.txt` is lesson 12 built with task dumps, shown by its chapter.
        assert!(
            lessons.contains(name.as_ref()) || name == "grade" || name == "12_leak_hunt_dump",
            "{} belongs to no lesson: delete it",
            path.display()
        );
    }
}

/// The overview's table is what instructors plan with: each lesson has its row, and the
/// minutes there are the minutes its chapter states.
#[test]
fn the_overview_lists_every_lesson_with_its_chapters_minutes() {
    let overview = fs::read_to_string(book_src().join("overview.md")).expect("overview.md exists");
    let mut total = 0;
    for lesson in lesson_names() {
        let chapter = fs::read_to_string(book_src().join(format!("{lesson}.md")))
            .unwrap_or_else(|_| panic!("book/src/{lesson}.md is missing"));
        let minutes: u32 = chapter
            .split("**minutes:** ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|number| number.parse().ok())
            .unwrap_or_else(|| panic!("book/src/{lesson}.md has no `**minutes:** N` line"));
        total += minutes;
        let row = overview
            .lines()
            .find(|line| line.contains(&format!("]({lesson}.md)")))
            .unwrap_or_else(|| panic!("overview.md has no row linking to {lesson}.md"));
        assert!(
            row.contains(&format!("| {minutes} |")),
            "overview.md's row for {lesson} should say {minutes} minutes, as its chapter does:\n{row}"
        );
    }
    assert!(
        overview.contains(&format!("{total} minutes of chapters")),
        "overview.md should give the total, {total} minutes of chapters"
    );
}

#[test]
fn every_known_mistake_is_shown_on_its_solution_page() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut missing = Vec::new();
    for exercise in std::fs::read_dir(root.join("lessons/mistakes/src")).expect("the mistakes") {
        let folder = exercise.expect("a readable entry").path();
        if !folder.is_dir() {
            continue;
        }
        let number = folder
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let page = std::fs::read_dir(root.join("book/src/solutions"))
            .expect("the solution pages")
            .map(|entry| entry.expect("a readable entry").path())
            .find(|page| {
                page.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .starts_with(&number)
            })
            .unwrap_or_else(|| panic!("no solution page for {number}"));
        let text = std::fs::read_to_string(&page).expect("a readable page");
        for mistake in std::fs::read_dir(&folder).expect("a readable folder") {
            let name = mistake
                .expect("a readable entry")
                .file_name()
                .to_string_lossy()
                .into_owned();
            let include = format!("{{{{#include ../../../lessons/mistakes/src/{number}/{name}}}}}");
            if name.ends_with(".rs") && name != "mod.rs" && !text.contains(&include) {
                missing.push(format!("{}: {include}", page.display()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "every known mistake is shown on its exercise's solution page, under \"Answers that \
         look right and are not\"; missing:\n  {}",
        missing.join("\n  ")
    );
}

/// Criterion's point estimates in `lessons/bench/results/run-N.txt`, in µs, by
/// `group/name`, one per run in run order.
fn bench_results() -> std::collections::BTreeMap<String, Vec<f64>> {
    let results = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/results");
    let mut times: std::collections::BTreeMap<String, Vec<f64>> = Default::default();
    for run in 1..=3 {
        let text = fs::read_to_string(results.join(format!("run-{run}.txt")))
            .expect("a recorded benchmark run");
        let mut current: Option<String> = None;
        for line in text.lines() {
            let first = line.split_whitespace().next().unwrap_or_default();
            if (first.starts_with("hot_key/") || first.starts_with("distinct_keys/"))
                && !line.starts_with("Benchmarking")
            {
                current = Some(first.to_owned());
            }
            let Some((_, estimate)) = line.split_once("time:") else {
                continue;
            };
            // `[435.78 µs 456.89 µs 475.83 µs]`: the middle figure is the estimate.
            let figures: Vec<&str> = estimate
                .trim()
                .trim_matches(|c| c == '[' || c == ']')
                .split_whitespace()
                .collect();
            let (Some(name), [_, _, value, unit, ..]) = (current.take(), figures.as_slice()) else {
                continue;
            };
            let value: f64 = value.parse().expect("a number");
            let micros = match *unit {
                "ns" => value / 1000.0,
                "µs" => value,
                "ms" => value * 1000.0,
                other => panic!("unit {other} in {name}"),
            };
            times.entry(name).or_default().push(micros);
        }
    }
    times
}

/// The benchmark page's tables and the figures its prose repeats come from the recorded
/// runs: a table or a sentence that drifts from them fails here.
#[test]
fn the_benchmark_page_shows_the_recorded_runs() {
    let page = fs::read_to_string(book_src().join("singleflight-benchmark.md"))
        .expect("the benchmark page");
    let times = bench_results();
    let mut checked = 0;
    for (heading, group) in [
        ("### One hot key", "hot_key"),
        ("### 256 distinct keys", "distinct_keys"),
    ] {
        let section = page
            .split(heading)
            .nth(1)
            .and_then(|rest| rest.split("\n\n").nth(1))
            .unwrap_or_else(|| panic!("no table under {heading}"));
        let ours = &times[&format!("{group}/ours")];
        for row in section.lines().filter(|row| row.starts_with("| `")) {
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            let name = cells[1].trim_matches('`').split('`').next().unwrap();
            let runs = &times[&format!("{group}/{name}")];
            let shown = |cell: &str| -> Vec<f64> {
                cell.split(" / ")
                    .map(|n| n.parse().expect("a figure"))
                    .collect()
            };
            for (run, (time, ratio)) in shown(cells[2]).iter().zip(shown(cells[3])).enumerate() {
                assert!(
                    (time - runs[run]).abs() <= 0.5,
                    "{group}/{name}, run {}: the page shows {time} µs, the run says {:.2}",
                    run + 1,
                    runs[run]
                );
                let recorded = runs[run] / ours[run];
                assert!(
                    (ratio - recorded).abs() <= 0.006,
                    "{group}/{name}, run {}: the page shows a ratio of {ratio}, the run \
                     gives {recorded:.3}",
                    run + 1
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 2 * 7 * 3, "seven rows of three runs in each table");
    // The prose under "Reading them": each contestant's "A to B" (its lowest and highest
    // ratio over the three runs) or "A, B and C" (the three) must be the tables'.
    let reading = page
        .split("## Reading them")
        .nth(1)
        .expect("a Reading them section");
    for paragraph in reading.split("\n\n") {
        let group = if paragraph.starts_with("**One hot key") {
            "hot_key"
        } else if paragraph.starts_with("**Distinct keys") {
            "distinct_keys"
        } else {
            continue;
        };
        let paragraph = paragraph.replace('\n', " ");
        let pieces: Vec<&str> = paragraph.split('`').collect();
        for pair in pieces.windows(2).skip(1).step_by(2) {
            let (name, after) = (pair[0], pair[1]);
            let Some(runs) = times.get(&format!("{group}/{name}")) else {
                continue;
            };
            let ours = &times[&format!("{group}/ours")];
            let ratios: Vec<f64> = runs.iter().zip(ours).map(|(t, o)| t / o).collect();
            let shown: Vec<f64> = after
                .split(|c: char| !(c.is_ascii_digit() || c == '.'))
                .filter_map(|word| word.trim_end_matches('.').parse().ok())
                .collect();
            let expected: Vec<f64> = if after.contains(" to ") {
                let low = ratios.iter().copied().fold(f64::MAX, f64::min);
                let high = ratios.iter().copied().fold(f64::MIN, f64::max);
                vec![low, high]
            } else {
                ratios.clone()
            };
            if shown.len() < expected.len() {
                continue;
            }
            for (seen, recorded) in shown.iter().zip(&expected) {
                assert!(
                    (seen - recorded).abs() <= 0.006,
                    "{group}/{name}: the prose says {seen}, the runs give {recorded:.3} \
                     ({after})"
                );
                checked += 1;
            }
        }
    }
    assert!(
        checked > 2 * 7 * 3,
        "the prose's figures were found and checked"
    );
    // The one ratio the prose repeats outside the tables.
    let uncoalesced: Vec<String> = (0..3)
        .map(|run| {
            let hot = |name: &str| times[&format!("hot_key/{name}")][run];
            format!("{:.2}", hot("uncoalesced") / hot("ours"))
        })
        .collect();
    let sentence = format!(
        "took {}, {} and {} times as long as ours",
        uncoalesced[0], uncoalesced[1], uncoalesced[2]
    );
    assert!(
        page.replace('\n', " ").contains(&sentence),
        "the page's prose must say `{sentence}`"
    );
}
