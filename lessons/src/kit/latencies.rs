//! Durations summed up as percentiles, in memory that does not grow with the count.
//!
//! A lesson that keeps every request's time in a list holds a million entries after a
//! million requests: the kind of "fixed" server whose memory climbs with load. The
//! fake backend and the bursts both record into an HDR histogram instead (the
//! `hdrhistogram` crate, as load tools such as wrk2 do): a few KiB whatever the
//! count, each percentile within 0.1 % of the exact one.

use std::time::Duration;

use hdrhistogram::Histogram;

/// Durations from 1 µs to an hour, three significant figures.
///
/// ```
/// use lessons::kit::{Latencies, ms};
///
/// let latencies: Latencies = [ms(10), ms(20), ms(30), ms(400)].into_iter().collect();
/// assert_eq!(latencies.count(), 4);
/// assert_eq!(latencies.percentile(50.0).as_millis(), 20);
/// assert_eq!(latencies.percentile(100.0).as_millis(), 400);
/// ```
#[derive(Debug, Clone)]
pub struct Latencies(Histogram<u64>);

/// The longest duration told apart from the others; longer ones count as an hour.
const LONGEST_MICROS: u64 = 3_600_000_000;

impl Default for Latencies {
    fn default() -> Self {
        let histogram = Histogram::new_with_bounds(1, LONGEST_MICROS, 3);
        Latencies(histogram.expect("one microsecond to an hour at three figures is valid"))
    }
}

impl Latencies {
    /// Adds one duration.
    pub fn record(&mut self, took: Duration) {
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        // Below 1 µs counts as 1 µs: the histogram's lowest value.
        self.0.saturating_record(micros.max(1));
    }

    /// Adds every duration of `other`.
    pub fn merge(&mut self, other: &Latencies) {
        self.0
            .add(&other.0)
            .expect("two histograms with the same bounds always add");
    }

    /// How many durations were recorded.
    pub fn count(&self) -> u64 {
        self.0.len()
    }

    /// How many recorded durations were `at_least` long or longer (to within 0.1 %).
    pub fn count_at_least(&self, at_least: Duration) -> u64 {
        let micros = u64::try_from(at_least.as_micros()).unwrap_or(u64::MAX);
        self.0.count_between(micros.max(1), LONGEST_MICROS)
    }

    /// The duration that `percent` % of the recorded ones stayed within (zero if none).
    pub fn percentile(&self, percent: f64) -> Duration {
        if self.0.is_empty() {
            return Duration::ZERO;
        }
        Duration::from_micros(self.0.value_at_percentile(percent))
    }
}

impl FromIterator<Duration> for Latencies {
    fn from_iter<I: IntoIterator<Item = Duration>>(durations: I) -> Self {
        let mut latencies = Latencies::default();
        durations
            .into_iter()
            .for_each(|took| latencies.record(took));
        latencies
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::ms;

    #[test]
    fn percentiles_stay_within_a_tenth_of_a_percent() {
        let latencies: Latencies = (1..=1_000).map(ms).collect();
        for (percent, exact) in [(50.0, 500), (90.0, 900), (99.0, 990), (100.0, 1_000)] {
            let seen = latencies.percentile(percent).as_secs_f64() * 1_000.0;
            let error = (seen - f64::from(exact)).abs() / f64::from(exact);
            assert!(error <= 0.001, "p{percent}: {seen} ms for {exact} ms");
        }
    }

    #[test]
    fn a_duration_past_the_bounds_counts_as_an_hour() {
        let latencies: Latencies = [Duration::from_secs(7_200), Duration::ZERO]
            .into_iter()
            .collect();
        assert_eq!(latencies.count(), 2);
        assert_eq!(latencies.percentile(100.0).as_secs(), 3_600);
    }

    #[test]
    fn merged_counts_add_up_and_empty_is_zero() {
        let mut a: Latencies = [ms(1), ms(2)].into_iter().collect();
        let b: Latencies = [ms(300)].into_iter().collect();
        a.merge(&b);
        assert_eq!(a.count(), 3);
        assert_eq!(a.percentile(100.0).as_millis(), 300);
        assert_eq!(a.count_at_least(ms(2)), 2);
        assert_eq!(a.count_at_least(ms(301)), 0);
        assert_eq!(Latencies::default().percentile(99.0), Duration::ZERO);
    }
}
