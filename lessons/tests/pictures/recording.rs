//! A recorded lesson output, read back: its scenarios' narrated lines and its result.

use std::collections::BTreeMap;

use super::recorded::recorded_path;

/// The narrator pads the speaker's name to this width (`kit::narrate`).
const WHO_WIDTH: usize = 8;

/// One narrated line: `[   54 ms] client   <- 200 OK "timeout"`.
#[derive(Debug, Clone)]
pub struct Line {
    pub ms: u64,
    pub who: String,
    pub text: String,
}

pub struct Recording {
    name: String,
    text: String,
}

impl Recording {
    /// The book's recorded copy of a lesson's output.
    pub fn of(lesson: &str) -> Recording {
        let path = recorded_path(lesson);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        Recording {
            name: lesson.to_owned(),
            text,
        }
    }

    /// The narrated lines of the scenario whose heading starts with `heading`.
    pub fn scenario(&self, heading: &str) -> Vec<Line> {
        let start = format!("== {heading}");
        let mut lines = self
            .text
            .lines()
            .skip_while(|line| !line.starts_with(&start));
        assert!(
            lines.next().is_some(),
            "{}: no scenario `{start}`",
            self.name
        );
        lines
            .take_while(|line| !line.starts_with("== "))
            .filter_map(parse)
            .collect()
    }

    /// The whole `result: …` line.
    pub fn result_line(&self) -> &str {
        self.text
            .lines()
            .find(|line| line.starts_with("result: "))
            .unwrap_or_else(|| panic!("{}: no result line", self.name))
    }

    /// The result line's figures, by key.
    pub fn result(&self) -> BTreeMap<String, String> {
        self.result_line()
            .trim_start_matches("result: ")
            .split(' ')
            .filter_map(|pair| pair.split_once('='))
            .map(|(key, value)| (key.to_owned(), value.to_owned()))
            .collect()
    }
}

fn parse(line: &str) -> Option<Line> {
    let rest = line.strip_prefix('[')?;
    let (ms, rest) = rest.split_once(" ms] ")?;
    let who = rest.get(..WHO_WIDTH)?.trim().to_owned();
    let text = rest.get(WHO_WIDTH + 1..)?.to_owned();
    Some(Line {
        ms: ms.trim().parse().ok()?,
        who,
        text,
    })
}

impl Line {
    /// The number before ` ms` in `(takes 283 ms)` or `cancelled after 51 ms`.
    pub fn ms_in_text(&self) -> u64 {
        let before = self.text[..self.text.rfind(" ms").expect("a time in ms")]
            .rsplit(' ')
            .next()
            .expect("a number before ms");
        before.parse().expect("a whole number of ms")
    }

    /// The call's name in `foo: started (takes 283 ms)`.
    pub fn call(&self) -> &str {
        self.text.split(':').next().unwrap_or_default()
    }
}
