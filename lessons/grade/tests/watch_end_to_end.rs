//! `cargo grade --watch` as a learner uses it: started on an unsolved exercise, it
//! shows no check mark; the learner saves a solution; the watch grades again by itself
//! and shows the check mark; `q` and Enter end it.
//!
//! The runner works on a copy of the course (the lessons crate and the exercises, in
//! the system's temporary folder) so that the test can save into an exercise file
//! without touching the real one. It builds into the same target folder, so the copy
//! reuses every dependency; its two crates get a version of their own, and so artifacts
//! of their own (see `copy_course`). The copy must not live inside the target folder
//! either: cargo records the files it finds there by their place in the target folder.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

/// The version the copy's own crates get, so that none of their artifacts is the real
/// crates'.
const COPY_VERSION: &str = "0.1.0-watch-copy";

/// The exercise the test solves. Its grader is the quickest to build and run.
const EXERCISE: &str = "ex01_fan_out";

/// A first build of the copy compiles the lessons crate; later ones take seconds.
const FIRST_GRADING: Duration = Duration::from_secs(600);
/// From the save to the new check mark: a rebuild of the exercises and one grader.
const REGRADING: Duration = Duration::from_secs(120);

#[test]
fn saving_a_solution_shows_its_check_mark_and_q_leaves() {
    let course = grade::workspace_root();
    let target = target_dir();
    let copy = copy_folder(&course);
    copy_course(&course, &copy);
    let exercise = copy.join(format!("lessons/exercises/src/{EXERCISE}.rs"));
    let stub = fs::read_to_string(course.join(format!("lessons/exercises/src/{EXERCISE}.rs")))
        .expect("the stub");
    write_if_changed(&exercise, &stub);

    let mut watch = Watch::start(&copy, &target);
    let first = watch.until("watching lessons/exercises/src", FIRST_GRADING);
    assert!(
        first.contains("0/1 ✓"),
        "the untouched stub must not be solved:\n{first}"
    );

    let solution = fs::read_to_string(course.join(format!("solutions/src/{EXERCISE}.rs")))
        .expect("the reference solution");
    fs::write(&exercise, solution).expect("saving the solution into the copy");
    let second = watch.until("watching lessons/exercises/src", REGRADING);
    assert!(
        second.contains(&format!("✓ 01 {EXERCISE}")) && second.contains("1/1 ✓"),
        "after the save, the watch must grade again and show the check mark:\n{second}"
    );

    watch.quit();
    // The next run starts from the stub, whatever this one saved.
    fs::write(&exercise, stub).expect("putting the stub back in the copy");
}

/// The running `cargo grade --watch`, its output read line by line on a thread.
struct Watch {
    child: Child,
    input: ChildStdin,
    lines: Receiver<String>,
}

impl Watch {
    fn start(copy: &Path, target: &Path) -> Watch {
        let mut child = Command::new(env!("CARGO_BIN_EXE_grade"))
            .args(["--watch", "--only", EXERCISE])
            .env(grade::WORKSPACE_VARIABLE, copy)
            .env("CARGO_TARGET_DIR", target)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting cargo grade --watch");
        let input = child.stdin.take().expect("piped");
        let output = child.stdout.take().expect("piped");
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(output).lines() {
                let Ok(line) = line else { return };
                if sender.send(line).is_err() {
                    return;
                }
            }
        });
        Watch {
            child,
            input,
            lines,
        }
    }

    /// Everything printed up to and including the first line containing `marker`.
    fn until(&mut self, marker: &str, patience: Duration) -> String {
        let deadline = Instant::now() + patience;
        let mut seen = String::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let done = line.contains(marker);
                    seen.push_str(&line);
                    seen.push('\n');
                    if done {
                        return seen;
                    }
                }
                Err(_) => {
                    let _ = self.child.kill();
                    panic!("no `{marker}` within {patience:?}; printed so far:\n{seen}");
                }
            }
        }
    }

    /// Types `q` and Enter, and expects the watch to end at once, successfully.
    fn quit(mut self) {
        writeln!(self.input, "q").expect("typing q");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("waiting for the watch") {
                assert!(status.success(), "q must end the watch cleanly: {status}");
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        panic!("the watch did not end within 10 s of q and Enter");
    }
}

/// One copy per checkout, at a fixed place so that later runs rebuild little.
fn copy_folder(course: &Path) -> PathBuf {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    course.hash(&mut hasher);
    std::env::temp_dir().join(format!("course-grade-watch-{:016x}", hasher.finish()))
}

/// The cargo target folder this test runs from (`target/debug/deps/this-test` → `target`).
fn target_dir() -> PathBuf {
    let executable = std::env::current_exe().expect("the test's own path");
    executable
        .ancestors()
        .nth(3)
        .expect("tests run from target/PROFILE/deps")
        .to_path_buf()
}

/// Copies what grading needs: the lessons crate, the exercises and a root manifest
/// whose workspace holds only those two.
fn copy_course(course: &Path, copy: &Path) {
    let manifest = fs::read_to_string(course.join("Cargo.toml")).expect("the root manifest");
    let manifest: String = manifest
        .lines()
        .map(|line| {
            if line.starts_with("members = ") {
                r#"members = ["lessons", "lessons/exercises"]"#
            } else if line.starts_with("default-members = ") {
                r#"default-members = ["lessons"]"#
            } else {
                line
            }
        })
        .map(|line| format!("{line}\n"))
        .collect();
    write_if_changed(&copy.join("Cargo.toml"), &manifest);
    let lock = fs::read_to_string(course.join("Cargo.lock")).expect("the lock file");
    write_if_changed(&copy.join("Cargo.lock"), &lock);
    for folder in [
        "lessons/src",
        "lessons/exercises/src",
        "lessons/exercises/tests",
        "lessons/exercises/graders",
        "lessons/exercises/hints",
    ] {
        copy_tree(&course.join(folder), &copy.join(folder));
    }
    for file in ["lessons/Cargo.toml", "lessons/exercises/Cargo.toml"] {
        let text = fs::read_to_string(course.join(file)).expect("a manifest");
        // A version of their own gives the copy's crates artifacts of their own. With
        // the same name and version, cargo would file the copy's build of a solved
        // exercise under the real crate's name, and judge it fresh for the real stub,
        // whose file is older: `cargo grade` would then pass an untouched exercise.
        let text = text.replacen(
            "version = \"0.1.0\"",
            &format!("version = \"{COPY_VERSION}\""),
            1,
        );
        assert!(text.contains(COPY_VERSION), "{file} names its version");
        write_if_changed(&copy.join(file), &text);
    }
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in fs::read_dir(from).expect("a folder of the course") {
        let entry = entry.expect("a folder entry");
        let path = entry.path();
        if entry.file_type().expect("a file type").is_dir() {
            copy_tree(&path, &to.join(entry.file_name()));
        } else {
            let text = fs::read_to_string(&path).expect("a text file");
            write_if_changed(&to.join(entry.file_name()), &text);
        }
    }
}

/// Writes only when the content differs, so that cargo sees unchanged files unchanged.
fn write_if_changed(path: &Path, text: &str) {
    if fs::read_to_string(path).is_ok_and(|old| old == text) {
        return;
    }
    fs::create_dir_all(path.parent().expect("a file in a folder")).expect("its folder");
    fs::write(path, text).expect("writing the copy");
}
