//! The book shows each lesson's real output, recorded from a `--seed 7` run into
//! `book/src/outputs/`. This module compares a fresh run with that copy, so the book
//! cannot go on showing output the code no longer prints.
//!
//! Two runs of a lesson never print the same times: a machine is faster or busier, and
//! the OS picks a new port. So the comparison masks times (`74 ms`, `[  74 ms]`,
//! `slowest_ms=61`), heap sizes (`105 KiB`, `heap_kib_100=105`) and the loopback port.
//! Every other number is a measured count, and must match.
//!
//! Tasks running side by side print in whatever order the scheduler runs them, so the
//! lines of one scenario (from one `== heading` to the next) are compared as a set. The
//! headings themselves must come in the same order.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Set to record fresh copies instead of comparing: `scripts/outputs` does this.
pub const RECORD_VAR: &str = "RECORD_OUTPUTS";

/// Units whose number is a time or a size: masked. Anything else is a count: kept.
const MASKED_UNITS: [&str; 5] = ["ms", "µs", "s", "KiB", "MiB"];

/// Result keys with one of these as a `_`-separated part hold a time or a size.
const MASKED_KEY_PARTS: [&str; 3] = ["ms", "us", "kib"];

/// Where the book keeps the recorded output of `binary`.
pub fn recorded_path(binary: &str) -> PathBuf {
    let name = Path::new(binary)
        .file_name()
        .expect("a binary path ends in its name")
        .to_string_lossy()
        .trim_end_matches(".exe")
        .to_owned();
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../book/src/outputs")
        .join(format!("{name}.txt"))
}

/// Records `output` as the book's copy, or checks it against the copy already there.
pub fn record_or_compare(binary: &str, output: &str) {
    let path = recorded_path(binary);
    if std::env::var_os(RECORD_VAR).is_some() {
        std::fs::create_dir_all(path.parent().expect("outputs has a parent"))
            .expect("creating book/src/outputs");
        std::fs::write(&path, output).expect("writing the recorded output");
        return;
    }
    let recorded = std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "{}: {error}; record it with `scripts/outputs`",
            path.display()
        )
    });
    if let Err(differences) = compare(&recorded, output) {
        panic!(
            "{} no longer matches what the lesson prints (times, heap sizes and ports \
             aside):\n{differences}\nIf the change is meant, record the book's copy again \
             with `scripts/outputs` and read the diff before committing it.",
            path.display()
        );
    }
}

/// Ok if the two outputs differ only in what is masked and in the order of lines
/// within a scenario; otherwise the differing lines, one scenario at a time.
pub fn compare(recorded: &str, fresh: &str) -> Result<(), String> {
    let recorded = scenarios(recorded);
    let fresh = scenarios(fresh);
    let mut report = String::new();
    let headings = |all: &[Scenario]| all.iter().map(|s| s.heading.clone()).collect::<Vec<_>>();
    if headings(&recorded) != headings(&fresh) {
        writeln!(
            report,
            "the scenarios differ:\n  recorded: {:?}\n  now:      {:?}",
            headings(&recorded),
            headings(&fresh)
        )
        .expect("writing to a String");
        return Err(report);
    }
    for (was, now) in recorded.iter().zip(&fresh) {
        if was.lines == now.lines {
            continue;
        }
        writeln!(report, "in {:?}:", was.heading).expect("writing to a String");
        for line in was.lines.iter().filter(|line| !now.lines.contains(line)) {
            writeln!(report, "  - {line}").expect("writing to a String");
        }
        for line in now.lines.iter().filter(|line| !was.lines.contains(line)) {
            writeln!(report, "  + {line}").expect("writing to a String");
        }
    }
    if report.is_empty() {
        Ok(())
    } else {
        Err(report)
    }
}

/// One scenario of a lesson's output: its heading and its masked lines, sorted.
#[derive(Debug, PartialEq)]
struct Scenario {
    /// The `== …` line, masked; empty for the lines before the first heading.
    heading: String,
    /// The other non-blank lines, masked and sorted, so that order does not count.
    lines: Vec<String>,
}

fn scenarios(output: &str) -> Vec<Scenario> {
    let mut all = vec![Scenario {
        heading: String::new(),
        lines: Vec::new(),
    }];
    for line in output.lines().map(mask).filter(|line| !line.is_empty()) {
        if line.starts_with("== ") {
            all.push(Scenario {
                heading: line,
                lines: Vec::new(),
            });
        } else {
            all.last_mut().expect("starts with one").lines.push(line);
        }
    }
    for scenario in &mut all {
        scenario.lines.sort();
    }
    all
}

/// The line with times, sizes and ports replaced by `#`, and its spacing collapsed
/// (the alignment of columns moves when a number gets a digit longer).
pub fn mask(line: &str) -> String {
    // The narration's stamp, `[   74 ms]` or `[12345 ms]`: padded to a width, so it is
    // masked whole before the line is cut into words.
    let (stamp, line) = match line
        .strip_prefix('[')
        .and_then(|rest| rest.split_once(" ms]"))
    {
        Some((number, rest)) if number.trim().parse::<u64>().is_ok() => ("[# ms] ", rest),
        _ => ("", line),
    };
    let words: Vec<&str> = line.split_whitespace().collect();
    let mut masked = Vec::with_capacity(words.len());
    for (i, word) in words.iter().enumerate() {
        let next = words.get(i + 1).copied().unwrap_or_default();
        masked.push(mask_word(word, next));
    }
    format!("{stamp}{}", masked.join(" ")).trim_end().to_owned()
}

fn mask_word(word: &str, next: &str) -> String {
    // `slowest_ms=61`, `heap_kib_100=105`: a result entry holding a time or a size.
    if let Some((key, _)) = word.split_once('=') {
        if key.split('_').any(|part| MASKED_KEY_PARTS.contains(&part)) {
            return format!("{key}=#");
        }
    }
    // `http://127.0.0.1:39121/`: a port the OS picked.
    if let Some(at) = word.find("127.0.0.1:") {
        let (host, rest) = word.split_at(at + "127.0.0.1:".len());
        return format!(
            "{host}#{}",
            rest.trim_start_matches(|c: char| c.is_ascii_digit())
        );
    }
    // `74 ms]`, `(60 ms)`, `1 s`: a number whose next word starts with a unit.
    if has_number(word) && starts_with_unit(next) {
        return replace_numbers(word);
    }
    // `60ms`, `2.5s`: the unit written on the number.
    let digits_end = word
        .trim_start_matches(|c: char| !c.is_ascii_digit())
        .trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    if has_number(word) && starts_with_unit(digits_end) {
        return replace_numbers(word);
    }
    word.to_owned()
}

fn has_number(word: &str) -> bool {
    word.chars().any(|c| c.is_ascii_digit())
}

/// True if `word` is a unit, maybe followed by punctuation: `ms`, `ms]`, `KiB,`.
fn starts_with_unit(word: &str) -> bool {
    let letters = word.trim_end_matches(|c: char| !c.is_alphanumeric());
    MASKED_UNITS.contains(&letters)
}

fn replace_numbers(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut in_number = false;
    for c in word.chars() {
        let part_of_number = c.is_ascii_digit() || (in_number && c == '.');
        if part_of_number && !in_number {
            out.push('#');
        } else if !part_of_number {
            out.push(c);
        }
        in_number = part_of_number;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_sizes_and_ports_are_masked() {
        assert_eq!(
            mask("[   74 ms] logger   95 lines waiting; the heap grew by 105 KiB"),
            "[# ms] logger 95 lines waiting; the heap grew by # KiB"
        );
        assert_eq!(
            mask("[    3 ms] server   listening on http://127.0.0.1:39121/"),
            "[# ms] server listening on http://127.0.0.1:#/"
        );
        assert_eq!(
            mask("retry after 1 s (took 60ms, then 2.5s)"),
            "retry after # s (took #ms, then #s)"
        );
        assert_eq!(
            mask("result: calls=4 slowest_ms=158 heap_kib_100=105 p99_ms_cache=184 peak=4"),
            "result: calls=4 slowest_ms=# heap_kib_100=# p99_ms_cache=# peak=4"
        );
    }

    #[test]
    fn counts_are_kept() {
        assert_eq!(
            mask("[ 1762 ms] gauge    at the end: 355 tasks still parked"),
            "[# ms] gauge at the end: 355 tasks still parked"
        );
        assert_eq!(mask("accepted=11 shed_503=89"), "accepted=11 shed_503=89");
        // A stamp wider than its padding masks the same as a narrow one.
        assert_eq!(mask("[12345 ms] main 3 calls"), "[# ms] main 3 calls");
    }

    #[test]
    fn order_within_a_scenario_is_free_but_counts_are_not() {
        let recorded = "Lesson\n\n== one\n[ 1 ms] a\n[ 2 ms] b 3 calls\n\nresult: n=3 t_ms=9\n";
        let reordered = "Lesson\n\n== one\n[ 5 ms] b 3 calls\n[ 7 ms] a\n\nresult: n=3 t_ms=12\n";
        assert_eq!(compare(recorded, reordered), Ok(()));

        let other_count = reordered.replace("n=3", "n=4");
        let differences = compare(recorded, &other_count).unwrap_err();
        assert!(
            differences.contains("- result: n=3 t_ms=#"),
            "{differences}"
        );
        assert!(
            differences.contains("+ result: n=4 t_ms=#"),
            "{differences}"
        );
    }

    #[test]
    fn scenarios_must_keep_their_order() {
        let recorded = "== one\na\n== two\nb\n";
        let swapped = "== two\nb\n== one\na\n";
        assert!(compare(recorded, swapped).is_err());
    }
}
