//! The hints: three per exercise, each a step closer to the answer, shown one at a time.
//!
//! Hint 1 nudges towards the idea, hint 2 names the tools, hint 3 is nearly the answer.
//! A learner who reads all three at once skips the thinking the exercise is for, so
//! `cargo grade` shows the first and says how to ask for the next (`--hint 2`), as the
//! book's chapters fold each hint inside the one before it.

use std::ops::RangeInclusive;

/// How many hints each exercise has: `lessons/exercises/hints/{id}/1.md` to `3.md`.
pub const LEVELS: usize = 3;

/// What each hint gives, in order: shown beside its number, as in the book.
pub const NAMES: [&str; LEVELS] = ["a nudge", "the tools", "nearly there"];

/// Which of an exercise's hints to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// One hint, numbered from 1.
    One(usize),
    /// Every hint, in order.
    All,
}

impl Default for Choice {
    /// The nudge: the next ones are a flag away.
    fn default() -> Self {
        Choice::One(1)
    }
}

impl Choice {
    /// Reads the number given to `--hint`.
    pub fn parse(number: &str) -> Result<Choice, String> {
        match number.parse::<usize>() {
            Ok(level) if (1..=LEVELS).contains(&level) => Ok(Choice::One(level)),
            _ => Err(format!(
                "--hint takes a number from 1 to {LEVELS}, not {number:?}"
            )),
        }
    }

    /// The hints to show, numbered from 1.
    pub fn levels(self) -> RangeInclusive<usize> {
        match self {
            Choice::One(level) => level..=level,
            Choice::All => 1..=LEVELS,
        }
    }
}

/// A hint as the terminal shows it. The hints are markdown, written for the book, and
/// read well as they are, except for code blocks: their fence lines are noise in a
/// terminal, so they are left out and the code is indented instead.
pub fn for_terminal(markdown: &str) -> String {
    let mut in_code = false;
    let mut lines = Vec::new();
    for line in markdown.trim().lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
        } else if in_code && !line.trim().is_empty() {
            lines.push(format!("    {line}"));
        } else {
            lines.push(line.to_owned());
        }
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_hint_is_shown_unless_asked_otherwise() {
        assert_eq!(Choice::default().levels(), 1..=1);
        assert_eq!(Choice::All.levels(), 1..=LEVELS);
    }

    #[test]
    fn reads_a_hint_number_in_range() {
        assert_eq!(Choice::parse("2"), Ok(Choice::One(2)));
        assert_eq!(Choice::parse("3").map(Choice::levels), Ok(3..=3));
        for wrong in ["0", "4", "-1", "two", ""] {
            assert!(
                Choice::parse(wrong).is_err(),
                "--hint {wrong:?} was accepted"
            );
        }
    }

    #[test]
    fn code_blocks_lose_their_fences_and_are_indented() {
        let markdown = "The loop:\n\n```rust,ignore\nloop {\n\n    step();\n}\n```\n\nThen stop.\n";
        assert_eq!(
            for_terminal(markdown),
            "The loop:\n\n    loop {\n\n        step();\n    }\n\nThen stop."
        );
    }
}
