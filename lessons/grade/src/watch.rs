//! `cargo grade --watch`: grade again each time an exercise file is saved.
//!
//! File events come from the notify crate (inotify, FSEvents or
//! ReadDirectoryChangesW, whichever the system has), and a line typed on standard
//! input that starts with `q` ends the watch: no shell tricks, the same on Linux,
//! macOS and Windows.

use std::path::Path;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher};

/// What woke the watch up.
#[derive(Debug, PartialEq, Eq)]
pub enum Wake {
    /// A Rust file in the watched folder was written.
    Saved,
    /// The learner asked to leave.
    Quit,
}

/// Editors save in bursts (a temporary file, a rename, a write): events this close
/// together are one save.
const SETTLE: Duration = Duration::from_millis(200);

/// Watches `folder` for saved `.rs` files and standard input for `q`. Keep the
/// returned watcher alive for as long as the receiver is read.
pub fn watch(folder: &Path) -> notify::Result<(impl Watcher, Receiver<Wake>)> {
    let (wakes, woken) = mpsc::channel();
    let saves = wakes.clone();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        let written = matches!(event.kind, EventKind::Create(_) | EventKind::Modify(_));
        let rust = event
            .paths
            .iter()
            .any(|path| path.extension().is_some_and(|extension| extension == "rs"));
        if written && rust {
            let _ = saves.send(Wake::Saved);
        }
    })?;
    watcher.watch(folder, RecursiveMode::NonRecursive)?;
    std::thread::spawn(move || {
        let mut line = String::new();
        // Ends with the input (Ctrl-D), or when the watch is over and the send fails.
        while std::io::stdin()
            .read_line(&mut line)
            .is_ok_and(|read| read > 0)
        {
            if line.trim_start().starts_with('q') {
                let _ = wakes.send(Wake::Quit);
                return;
            }
            line.clear();
        }
    });
    Ok((watcher, woken))
}

/// Waits for the next wake-up; a burst of saves comes back as one.
pub fn next(woken: &Receiver<Wake>) -> Wake {
    let Ok(first) = woken.recv() else {
        return Wake::Quit;
    };
    if first == Wake::Quit {
        return Wake::Quit;
    }
    loop {
        match woken.recv_timeout(SETTLE) {
            Ok(Wake::Quit) => return Wake::Quit,
            Ok(Wake::Saved) => continue,
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return Wake::Saved,
        }
    }
}

/// `5/9 ✓ [#####....]`: solved exercises out of all, as a bar.
pub fn progress(solved: usize, total: usize) -> String {
    let bar: String = (0..total)
        .map(|index| if index < solved { '#' } else { '.' })
        .collect();
    format!("{solved}/{total} ✓ [{bar}]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_file_wakes_the_watch_once() {
        let dir = std::env::temp_dir().join(format!("grade-watch-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (_watcher, woken) = watch(&dir).unwrap();
        std::thread::sleep(Duration::from_millis(100));
        for attempt in 0..3 {
            std::fs::write(dir.join("ex01_fan_out.rs"), format!("saved {attempt}")).unwrap();
        }
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || tx.send(next(&woken)));
        let wake = rx
            .recv_timeout(Duration::from_secs(5))
            .expect("a save wakes the watch within 5 s");
        assert_eq!(wake, Wake::Saved);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn progress_is_a_count_and_a_bar() {
        assert_eq!(progress(5, 9), "5/9 ✓ [#####....]");
        assert_eq!(progress(0, 3), "0/3 ✓ [...]");
    }
}
