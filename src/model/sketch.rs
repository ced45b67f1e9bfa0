//! Quantiles of millions of durations in bounded memory: an HDR histogram (`hdrhistogram`,
//! the log-linear buckets of Gil Tene's HdrHistogram) with two significant digits, so a
//! reported quantile is within 1% of the exact sample quantile, whatever the count. Zero
//! durations (a message sent at once) are counted apart, so a gateway that never queues never
//! allocates a bucket.
//!
//! Recording is on the hot path (every delivered message, every wait), and the crate's general
//! `record` (any bounds, any counter type, checked) cost about a hundred instructions a value
//! in the factory scenario. So the counts are kept here in the crate's own bucket layout
//! (lowest value 1, 256 sub-buckets: `bucket_of` is its index arithmetic), and handed to an
//! `hdrhistogram::Histogram` only to read quantiles. A test checks that quantiles read this way
//! equal the crate's own, value for value.

use hdrhistogram::Histogram;

use crate::engine::Ticks;

/// Significant decimal digits kept: each bucket is at most 1% wide relative to its values.
const SIGNIFICANT_DIGITS: u8 = 2;
/// The largest duration told apart: 2^62 ticks (146 000 years); longer ones are counted at it.
const HIGHEST: u64 = 1 << 62;
/// log2 of the sub-buckets per power of two that two significant digits need: 2·10² ≤ 2^8.
const SUB_BUCKET_BITS: u32 = 8;
const HALF_BITS: u32 = SUB_BUCKET_BITS - 1;

/// The index of `v`'s bucket in HdrHistogram's layout for a lowest value of 1: values below
/// 256 have a bucket each; above, each power of two is cut into 128 equal buckets.
#[inline(always)]
fn bucket_of(v: u64) -> usize {
    let magnitude = (64 - SUB_BUCKET_BITS) - (v | ((1 << SUB_BUCKET_BITS) - 1)).leading_zeros();
    let sub = v >> magnitude;
    (((magnitude + 1) as usize) << HALF_BITS) + sub as usize - (1 << HALF_BITS)
}

/// The smallest value in bucket `index` (the inverse of [`bucket_of`] on bucket starts).
fn bucket_start(index: usize) -> u64 {
    let magnitude = (index >> HALF_BITS) as i64 - 1;
    let sub = (index & ((1 << HALF_BITS) - 1)) as u64 + (1 << HALF_BITS);
    if magnitude < 0 {
        sub - (1 << HALF_BITS)
    } else {
        sub << magnitude
    }
}

/// A mergeable summary of durations from which quantiles are read with a relative error of at
/// most 1%.
#[derive(Clone, Debug, Default)]
pub struct DurationSketch {
    zeros: u64,
    positive: u64,
    /// Counts per bucket, grown to the largest bucket seen.
    counts: Vec<u64>,
}

impl DurationSketch {
    /// Counts one duration. Always inline, the growth of the buckets out of line: as a call,
    /// the frame that growth needs cost as much as the count itself (every delivered message
    /// is counted here).
    #[inline(always)]
    pub fn record(&mut self, d: Ticks) {
        if d == 0 {
            self.zeros += 1;
            return;
        }
        let index = bucket_of(d.min(HIGHEST));
        match self.counts.get_mut(index) {
            Some(count) => *count += 1,
            None => self.grow_to(index),
        }
        self.positive += 1;
    }

    /// Grows the buckets to hold bucket `index`, and counts one value in it.
    #[cold]
    #[inline(never)]
    fn grow_to(&mut self, index: usize) {
        self.counts.resize(index + 1, 0);
        self.counts[index] += 1;
    }

    /// How many durations were counted.
    pub fn count(&self) -> u64 {
        self.zeros + self.positive
    }

    /// The share of counted durations above zero (NaN when none were counted).
    pub fn positive_share(&self) -> f64 {
        let n = self.count();
        if n == 0 {
            return f64::NAN;
        }
        self.positive as f64 / n as f64
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
        let Some(h) = self.histogram() else {
            return 0.0;
        };
        let within = (rank - self.zeros) as f64 / h.len() as f64;
        h.value_at_quantile(within.min(1.0)) as f64
    }

    /// The positive durations as the crate's histogram (None when there are none).
    fn histogram(&self) -> Option<Histogram<u64>> {
        if self.positive == 0 {
            return None;
        }
        // ok: the bounds are constants that satisfy hdrhistogram's conditions
        // (1 ≤ low, 2·low ≤ high, digits ≤ 5).
        #[expect(clippy::expect_used, reason = "constant, valid bounds")]
        let mut h = Histogram::new_with_bounds(1, HIGHEST, SIGNIFICANT_DIGITS)
            .expect("valid constant bounds");
        for (index, &count) in self.counts.iter().enumerate().filter(|(_, c)| **c > 0) {
            h.saturating_record_n(bucket_start(index), count);
        }
        Some(h)
    }

    /// Adds another sketch's counts (the same as recording its durations here).
    pub fn merge(&mut self, other: &DurationSketch) {
        self.zeros += other.zeros;
        self.positive += other.positive;
        if self.counts.len() < other.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            *mine += theirs;
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
        assert!(a.counts.is_empty());
        assert_eq!(a.quantile(0.9), 0.0);
        let mut b = DurationSketch::default();
        b.record(1_000_000);
        a.merge(&b);
        assert_eq!(a.count(), 10);
        assert!((a.quantile(1.0) - 1_000_000.0).abs() <= 10_000.0);
        assert_eq!(a.quantile(0.9), 0.0);
        assert!(DurationSketch::default().quantile(0.5).is_nan());
    }

    /// The hand-kept buckets are the crate's: every quantile read through them equals the one
    /// the crate gives when it records the same values itself.
    #[test]
    fn quantiles_equal_the_crates_own() {
        let mut mine = DurationSketch::default();
        let mut theirs = Histogram::<u64>::new_with_bounds(1, HIGHEST, SIGNIFICANT_DIGITS).unwrap();
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for i in 0..200_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Every scale from 1 tick to the cap, and exact powers of two and their neighbours.
            let v = match i % 4 {
                0 => 1 + x % 300,
                1 => (x >> (x % 64)).max(1),
                2 => (1u64 << (x % 63)) + (x % 3) - 1,
                _ => 1 + x % 10_000_000,
            }
            .clamp(1, HIGHEST);
            mine.record(v);
            theirs.record(v).unwrap();
        }
        for i in 0..=1000 {
            let q = i as f64 / 1000.0;
            assert_eq!(
                mine.histogram().unwrap().value_at_quantile(q),
                theirs.value_at_quantile(q),
                "q {q}"
            );
        }
        for v in [1u64, 255, 256, 257, 511, 512, 1 << 40, HIGHEST] {
            let start = bucket_start(bucket_of(v));
            assert_eq!(start, theirs.lowest_equivalent(v), "{v}");
        }
    }
}
