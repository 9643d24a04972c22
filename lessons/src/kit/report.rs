//! The `result:` line: the measured figures a lesson ends with.
//!
//! The same value is printed by the binary, checked by the lesson's own test and
//! parsed back by the test that runs the binary, so all three agree on its format:
//! `result: key=value key=value`, in the order the lesson added them.

use std::fmt;

/// Ordered `key=value` figures, printed as one `result:` line.
///
/// ```
/// use lessons::kit::Report;
///
/// let report = Report::new().with("calls", 4).with("slowest_ms", 180);
/// assert_eq!(report.to_string(), "result: calls=4 slowest_ms=180");
/// assert_eq!(report.number("calls"), 4);
/// assert_eq!(Report::parse(&report.to_string()), Some(report));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    figures: Vec<(String, String)>,
}

impl Report {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one figure. Keys are single words; values must not contain spaces.
    pub fn with(mut self, key: &str, value: impl fmt::Display) -> Self {
        let value = value.to_string();
        debug_assert!(
            !key.contains([' ', '=']) && !value.contains(' '),
            "a result figure must be one word: {key}={value}"
        );
        self.figures.push((key.to_owned(), value));
        self
    }

    /// The value recorded under `key`, if any.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.figures
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The value under `key` as a number; panics with the whole line if it is not one,
    /// which is what a test wants to see.
    pub fn number(&self, key: &str) -> u64 {
        self.get(key)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("`{key}` is not a number in `{self}`"))
    }

    /// The value under `key` as a boolean (`true`/`false`); panics otherwise.
    pub fn flag(&self, key: &str) -> bool {
        self.get(key)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("`{key}` is not true/false in `{self}`"))
    }

    /// Reads a line printed by [`Report`]'s `Display` back into a report.
    pub fn parse(line: &str) -> Option<Report> {
        let figures = line.trim().strip_prefix("result:")?;
        let mut report = Report::new();
        for pair in figures.split_whitespace() {
            let (key, value) = pair.split_once('=')?;
            report = report.with(key, value);
        }
        Some(report)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("result:")?;
        for (key, value) in &self.figures {
            write!(f, " {key}={value}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_order_figures_were_added_in() {
        let report = Report::new().with("b", 1).with("a", 2);
        assert_eq!(report.to_string(), "result: b=1 a=2");
    }

    #[test]
    fn parse_rejects_lines_that_are_not_results() {
        assert_eq!(Report::parse("calls=4"), None);
        assert_eq!(Report::parse("result: calls"), None);
    }

    #[test]
    #[should_panic(expected = "`missing` is not a number")]
    fn number_names_the_missing_key() {
        Report::new().with("calls", 4).number("missing");
    }
}
