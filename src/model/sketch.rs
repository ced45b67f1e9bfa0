//! Quantiles of millions of durations in bounded memory: an HDR histogram (`hdrhistogram`,
//! the log-linear buckets of Gil Tene's HdrHistogram) with two significant digits, so a
//! reported quantile is within 1% of the exact sample quantile, whatever the count. Zero
//! durations (a message sent at once) are counted apart, so a gateway that never queues never
//! allocates its histogram.

use hdrhistogram::Histogram;

use crate::engine::Ticks;

/// Significant decimal digits kept: each bucket is at most 1% wide relative to its values.
const SIGNIFICANT_DIGITS: u8 = 2;
/// The largest duration told apart: 2^62 ticks (146 000 years); longer ones are counted at it.
const HIGHEST: u64 = 1 << 62;

/// A mergeable summary of durations from which quantiles are read with a relative error of at
/// most 1%.
#[derive(Clone, Debug, Default)]
pub struct DurationSketch {
    zeros: u64,
    positive: Option<Box<Histogram<u64>>>,
}

impl DurationSketch {
    /// Counts one duration.
    #[inline]
    pub fn record(&mut self, d: Ticks) {
        if d == 0 {
            self.zeros += 1;
            return;
        }
        let h = self.positive.get_or_insert_with(|| {
            // ok: the bounds are constants that satisfy hdrhistogram's conditions
            // (1 ≤ low, 2·low ≤ high, digits ≤ 5).
            #[expect(clippy::expect_used, reason = "constant, valid bounds")]
            Box::new(
                Histogram::new_with_bounds(1, HIGHEST, SIGNIFICANT_DIGITS)
                    .expect("valid constant bounds"),
            )
        });
        h.saturating_record(d.min(HIGHEST));
    }

    /// How many durations were counted.
    pub fn count(&self) -> u64 {
        self.zeros + self.positive.as_ref().map_or(0, |h| h.len())
    }

    /// The share of counted durations above zero (NaN when none were counted).
    pub fn positive_share(&self) -> f64 {
        let n = self.count();
        if n == 0 {
            return f64::NAN;
        }
        (n - self.zeros) as f64 / n as f64
    }

    /// The `q` quantile in ticks (nearest rank, within 1%); NaN when nothing was counted.
    pub fn quantile(&self, q: f64) -> f64 {
        let n = self.count();
        if n == 0 {
            return f64::NAN;
        }
        let rank = ((q * n as f64).ceil() as u64).clamp(1, n);
        if rank <= self.zeros {
            return 0.0;
        }
        let Some(h) = &self.positive else {
            return 0.0;
        };
        let within = (rank - self.zeros) as f64 / h.len() as f64;
        h.value_at_quantile(within.min(1.0)) as f64
    }

    /// Adds another sketch's counts (the same as recording its durations here).
    pub fn merge(&mut self, other: &DurationSketch) {
        self.zeros += other.zeros;
        if let Some(o) = &other.positive {
            match &mut self.positive {
                Some(h) => {
                    // ok: both histograms have the same constant bounds.
                    let _ = h.add(o.as_ref());
                }
                None => self.positive = Some(o.clone()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Quantiles of 0..=99 999 µs against the exact nearest-rank ones, within 1%.
    #[test]
    fn quantiles_are_within_one_percent_of_the_exact_ones() {
        let mut s = DurationSketch::default();
        let values: Vec<u64> = (0..100_000u64).map(|i| (i * 7_919) % 100_000).collect();
        for &v in &values {
            s.record(v);
        }
        let mut sorted = values.clone();
        sorted.sort_unstable();
        for q in [0.01, 0.5, 0.95, 0.99, 1.0] {
            let rank = ((q * sorted.len() as f64).ceil() as usize).max(1);
            let exact = sorted[rank - 1] as f64;
            let got = s.quantile(q);
            assert!(
                (got - exact).abs() <= 0.01 * exact + 1.0,
                "q {q}: {got} vs {exact}"
            );
        }
        assert_eq!(s.count(), 100_000);
        assert!((s.positive_share() - 0.99999).abs() < 1e-9);
    }

    #[test]
    fn zeros_need_no_histogram_and_merge_adds_counts() {
        let mut a = DurationSketch::default();
        for _ in 0..9 {
            a.record(0);
        }
        assert!(a.positive.is_none());
        assert_eq!(a.quantile(0.9), 0.0);
        let mut b = DurationSketch::default();
        b.record(1_000_000);
        a.merge(&b);
        assert_eq!(a.count(), 10);
        assert!((a.quantile(1.0) - 1_000_000.0).abs() <= 10_000.0);
        assert_eq!(a.quantile(0.9), 0.0);
        assert!(DurationSketch::default().quantile(0.5).is_nan());
    }
}
