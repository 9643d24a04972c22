//! `cargo grade --reset ID`: puts an exercise's untouched stub back, keeping the
//! learner's version beside it.
//!
//! The untouched stub is the course's own copy of the file, read from git: the branch
//! the checkout follows (`@{upstream}`), else `origin/main`, else the last commit. A
//! learner who committed their answers still gets the course's stub, not their own.

use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where the exercise `id` lives, relative to the workspace root.
pub fn exercise_path(id: &str) -> PathBuf {
    Path::new("lessons/exercises/src").join(format!("{id}.rs"))
}

/// The course's untouched copy of `relative` (a path from the workspace root), read
/// with `git show` from the first of the upstream branch, `origin/main` and `HEAD` that
/// has it.
pub fn untouched(root: &Path, relative: &Path) -> io::Result<String> {
    let path = relative.to_string_lossy().replace('\\', "/");
    for reference in ["@{upstream}", "origin/main", "HEAD"] {
        let shown = Command::new("git")
            .current_dir(root)
            .args(["show", &format!("{reference}:{path}")])
            .output()?;
        if shown.status.success() {
            return String::from_utf8(shown.stdout)
                .map_err(|_| io::Error::other(format!("{path} in git is not UTF-8")));
        }
    }
    Err(io::Error::other(format!(
        "git has no copy of {path}: is this a clone of the course?"
    )))
}

/// Writes `stub` over `file`, after copying the file to a backup beside it
/// (`NAME.rs.bak`, or `NAME.rs.bak.2` and on if that is taken). Returns the backup's
/// path.
pub fn reset(file: &Path, stub: &str) -> io::Result<PathBuf> {
    let backup = free_backup_name(file);
    std::fs::copy(file, &backup)?;
    std::fs::write(file, stub)?;
    Ok(backup)
}

fn free_backup_name(file: &Path) -> PathBuf {
    let plain = file.with_extension("rs.bak");
    if !plain.exists() {
        return plain;
    }
    (2..)
        .map(|n| file.with_extension(format!("rs.bak.{n}")))
        .find(|candidate| !candidate.exists())
        .expect("some number is free")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stub_comes_back_and_the_answer_is_kept_beside_it() {
        let dir = std::env::temp_dir().join(format!("grade-reset-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("ex03_cancel_spawned.rs");
        std::fs::write(&file, "my answer, first try").unwrap();
        let backup = reset(&file, "the stub").unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "the stub");
        assert_eq!(backup, dir.join("ex03_cancel_spawned.rs.bak"));
        assert_eq!(
            std::fs::read_to_string(&backup).unwrap(),
            "my answer, first try"
        );

        std::fs::write(&file, "my answer, second try").unwrap();
        let second = reset(&file, "the stub").unwrap();
        assert_eq!(second, dir.join("ex03_cancel_spawned.rs.bak.2"));
        assert_eq!(
            std::fs::read_to_string(&backup).unwrap(),
            "my answer, first try"
        );
        assert_eq!(
            std::fs::read_to_string(&second).unwrap(),
            "my answer, second try"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_untouched_stub_is_the_one_in_git() {
        let root = crate::workspace_root();
        let stub = untouched(&root, &exercise_path("ex01_fan_out")).unwrap();
        assert!(
            stub.contains("todo!("),
            "the course's stub is unsolved:\n{stub}"
        );
    }
}
