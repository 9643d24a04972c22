//! The book shows code by including it from the real files (`{{#include file:anchor}}`).
//! mdbook renders an include whose anchor is missing as an empty code block and
//! carries on; these checks make that, and a lesson without a chapter, a test failure.

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
    let bins = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/bin");
    let lessons: BTreeSet<String> = fs::read_dir(bins)
        .expect("lessons/src/bin exists")
        .filter_map(|entry| Some(entry.ok()?.path().file_stem()?.to_str()?.to_owned()))
        .collect();
    for lesson in lessons {
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
