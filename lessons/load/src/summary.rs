//! What a run came to: counts per status, latency percentiles, and a final line.
//!
//! The table is for the reader; the last line, `load: requests=… ok=… …`, is for
//! scripts, one `key=value` per figure like the lessons' `result:` line. `ok` counts
//! the requests that got an answer, whatever its status, so that
//! `ok + timeouts + errors = requests`; the status counts say which answers they were.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;

use crate::send::{LoadRun, Outcome};

/// The figures of one run.
#[derive(Debug)]
pub struct Summary {
    /// Requests sent.
    pub requests: usize,
    /// Requests answered, with any status.
    pub answered: usize,
    /// Answers per status code, in code order.
    pub by_status: BTreeMap<StatusCode, usize>,
    /// Answers with a 2xx status.
    pub status_2xx: usize,
    /// Answers with a 5xx status.
    pub status_5xx: usize,
    /// Requests that hit their timeout.
    pub timeouts: usize,
    /// Requests that failed otherwise.
    pub errors: usize,
    /// Why the first failed request failed: usually enough to see what is wrong.
    pub first_error: Option<String>,
    /// Median latency of the answered requests (timeouts and errors have none).
    pub p50: Option<Duration>,
    /// The latency that all but the slowest 1% of answers stayed within.
    pub p99: Option<Duration>,
    /// The slowest answer.
    pub max: Option<Duration>,
    /// How long the whole run took.
    pub elapsed: Duration,
}

impl Summary {
    pub fn new(run: &LoadRun) -> Self {
        let mut by_status = BTreeMap::new();
        let mut latencies = Vec::with_capacity(run.outcomes.len());
        let (mut timeouts, mut errors, mut first_error) = (0, 0, None);
        for outcome in &run.outcomes {
            match outcome {
                Outcome::Answered { status, latency } => {
                    *by_status.entry(*status).or_insert(0) += 1;
                    latencies.push(*latency);
                }
                Outcome::TimedOut => timeouts += 1,
                Outcome::Failed { reason } => {
                    errors += 1;
                    first_error.get_or_insert_with(|| reason.clone());
                }
            }
        }
        latencies.sort_unstable();
        let count_where = |class: fn(&StatusCode) -> bool| -> usize {
            by_status
                .iter()
                .filter(|(status, _)| class(status))
                .map(|(_, count)| count)
                .sum()
        };
        Summary {
            requests: run.outcomes.len(),
            answered: latencies.len(),
            status_2xx: count_where(StatusCode::is_success),
            status_5xx: count_where(StatusCode::is_server_error),
            by_status,
            timeouts,
            errors,
            first_error,
            p50: percentile(&latencies, 50),
            p99: percentile(&latencies, 99),
            max: latencies.last().copied(),
            elapsed: run.elapsed,
        }
    }

    /// Requests per second over the whole run.
    fn rate(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            self.requests as f64 / seconds
        } else {
            0.0
        }
    }
}

/// The nearest-rank percentile of `sorted` (ascending): the smallest value that at
/// least `percent`% of the values do not exceed. Always one of the measured values,
/// never an interpolation; `None` when nothing was measured.
pub fn percentile(sorted: &[Duration], percent: usize) -> Option<Duration> {
    debug_assert!(percent <= 100, "a percentile is at most 100, got {percent}");
    let rank = (sorted.len() * percent).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// Milliseconds with one decimal (loopback answers often take less than one), or `-`.
fn millis(latency: Option<Duration>) -> String {
    match latency {
        Some(latency) => format!("{:.1}", latency.as_secs_f64() * 1000.0),
        None => "-".to_owned(),
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "answers:")?;
        for (status, count) in &self.by_status {
            writeln!(f, "  {:<28}{count:>7}", status.to_string())?;
        }
        writeln!(f, "  {:<28}{:>7}", "timeout", self.timeouts)?;
        writeln!(f, "  {:<28}{:>7}", "error", self.errors)?;
        if let Some(reason) = &self.first_error {
            writeln!(f, "  first error: {reason}")?;
        }
        if self.answered == 0 {
            writeln!(f, "latency: no answer, nothing to measure")?;
        } else {
            writeln!(
                f,
                "latency of the {} answered: p50 {} ms, p99 {} ms, max {} ms",
                self.answered,
                millis(self.p50),
                millis(self.p99),
                millis(self.max)
            )?;
        }
        writeln!(
            f,
            "total: {} ms, {:.0} requests/s",
            self.elapsed.as_millis(),
            self.rate()
        )?;
        writeln!(
            f,
            "load: requests={} ok={} status_2xx={} status_5xx={} timeouts={} errors={} \
             p50_ms={} p99_ms={} elapsed_ms={}",
            self.requests,
            self.answered,
            self.status_2xx,
            self.status_5xx,
            self.timeouts,
            self.errors,
            millis(self.p50),
            millis(self.p99),
            self.elapsed.as_millis()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(millis: u64) -> Duration {
        Duration::from_millis(millis)
    }

    fn answered(code: u16, latency_ms: u64) -> Outcome {
        Outcome::Answered {
            status: StatusCode::from_u16(code).unwrap(),
            latency: ms(latency_ms),
        }
    }

    #[test]
    fn percentiles_of_one_to_a_hundred_are_the_values_at_that_rank() {
        let sorted: Vec<_> = (1..=100).map(ms).collect();
        assert_eq!(percentile(&sorted, 50), Some(ms(50)));
        assert_eq!(percentile(&sorted, 99), Some(ms(99)));
        assert_eq!(percentile(&sorted, 100), Some(ms(100)));
        assert_eq!(percentile(&sorted, 1), Some(ms(1)));
    }

    #[test]
    fn a_percentile_is_always_a_measured_value_never_an_average() {
        let sorted = [ms(10), ms(20), ms(30), ms(40)];
        // Half of the values are at most 20: no 25 ms is invented between them.
        assert_eq!(percentile(&sorted, 50), Some(ms(20)));
        // 99% of four values needs all four.
        assert_eq!(percentile(&sorted, 99), Some(ms(40)));
    }

    #[test]
    fn a_few_slow_requests_show_in_p99_not_in_p50() {
        // 3 slow answers in 200: 1.5%, more than the 1% that p99 may leave out.
        let mut sorted: Vec<_> = std::iter::repeat_n(ms(2), 197).collect();
        sorted.extend([ms(400), ms(500), ms(900)]);
        assert_eq!(percentile(&sorted, 50), Some(ms(2)));
        assert_eq!(percentile(&sorted, 99), Some(ms(400)));
    }

    #[test]
    fn small_samples_and_no_sample() {
        assert_eq!(percentile(&[ms(7)], 50), Some(ms(7)));
        assert_eq!(percentile(&[ms(7)], 0), Some(ms(7)));
        assert_eq!(percentile(&[], 50), None);
    }

    #[test]
    fn outcomes_are_counted_by_class_and_the_last_line_sums_them_up() {
        let run = LoadRun {
            outcomes: vec![
                answered(200, 3),
                answered(200, 1),
                answered(408, 100),
                answered(503, 2),
                Outcome::TimedOut,
                Outcome::Failed {
                    reason: "connection refused".to_owned(),
                },
            ],
            elapsed: ms(250),
        };
        let summary = Summary::new(&run);
        assert_eq!(summary.by_status[&StatusCode::REQUEST_TIMEOUT], 1);
        let text = summary.to_string();
        assert!(text.contains("first error: connection refused"), "{text}");
        assert_eq!(
            text.lines().last(),
            Some(
                "load: requests=6 ok=4 status_2xx=2 status_5xx=1 timeouts=1 errors=1 \
                 p50_ms=2.0 p99_ms=100.0 elapsed_ms=250"
            ),
            "ok counts every answer, the 408 included: {text}"
        );
    }

    #[test]
    fn a_run_without_answers_has_no_latency_to_report() {
        let run = LoadRun {
            outcomes: vec![Outcome::TimedOut],
            elapsed: ms(100),
        };
        let text = Summary::new(&run).to_string();
        assert!(text.contains("p50_ms=- p99_ms=-"), "{text}");
    }
}
