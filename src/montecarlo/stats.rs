//! Point estimates and Student-t confidence intervals over replications.

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use statrs::distribution::{ChiSquared, ContinuousCDF, Normal, StudentsT};

/// Mean of a metric over replications with its 95% confidence interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub mean: f64,
    /// Half-width of the 95% Student-t interval; `None` with fewer than two replications.
    pub half_width: Option<f64>,
    pub std_dev: f64,
    pub min: f64,
    pub max: f64,
    pub n: usize,
    /// The interval's ends when it is not symmetric about the mean (a Wilson score interval
    /// for a share of replications, a chi-square interval for a censored MTTF); `half_width`
    /// is then the larger distance from the mean to an end, so mean ± half_width covers it.
    pub bounds: Option<(f64, f64)>,
}

impl Estimate {
    pub fn low(&self) -> f64 {
        self.bounds
            .map_or(self.mean - self.half_width.unwrap_or(0.0), |(low, _)| low)
    }

    pub fn high(&self) -> f64 {
        self.bounds
            .map_or(self.mean + self.half_width.unwrap_or(0.0), |(_, high)| high)
    }

    /// Sets an asymmetric interval `[low, high]` around the mean.
    fn with_bounds(mut self, low: f64, high: f64) -> Estimate {
        self.bounds = Some((low, high));
        self.half_width = Some((self.mean - low).max(high - self.mean));
        self
    }
}

/// The 97.5% point of the standard normal distribution.
fn z_975() -> f64 {
    Normal::new(0.0, 1.0).map_or(1.959_963_984_540_054, |n| n.inverse_cdf(0.975))
}

/// The share of replications in which something happened (each value 0 or 1), with the
/// Wilson score 95% interval: unlike the Student-t interval of a 0/1 mean, it stays inside
/// [0, 1] and does not collapse to a point when every replication agrees (R(t) = 1 over 20
/// replications gives [0.839, 1], not 1 ± 0).
pub fn wilson(values: impl Iterator<Item = f64>) -> Estimate {
    let e = estimate(values);
    if e.n < 2 {
        return e;
    }
    let (n, p, z) = (e.n as f64, e.mean, z_975());
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    e.with_bounds((centre - half).max(0.0), (centre + half).min(1.0))
}

/// The exponential maximum-likelihood MTTF of units observed for `times` (each until it
/// failed or the observation ended), `failed` (0 or 1 each) saying which failed: the total
/// time on test over the number of failures, unbiased by the units that survived, with the
/// time-terminated chi-square 95% interval [2T/χ²(0.975; 2r + 2), 2T/χ²(0.025; 2r)].
/// Undefined (NaN, n = 0) without a failure.
pub fn exponential_mttf(times: &[f64], failed: &[f64]) -> Estimate {
    let pairs: Vec<(f64, f64)> = times
        .iter()
        .zip(failed)
        .filter(|(t, f)| !t.is_nan() && !f.is_nan())
        .map(|(&t, &f)| (t, f))
        .collect();
    let total: f64 = pairs.iter().map(|p| p.0).sum();
    let failures: f64 = pairs.iter().map(|p| p.1).sum();
    let mut e = estimate(std::iter::empty());
    if failures < 1.0 {
        return e;
    }
    e.mean = total / failures;
    e.n = pairs.len();
    e.min = e.mean;
    e.max = e.mean;
    let chi = |df: f64, q: f64| ChiSquared::new(df).map_or(f64::NAN, |c| c.inverse_cdf(q));
    let low = 2.0 * total / chi(2.0 * failures + 2.0, 0.975);
    let high = 2.0 * total / chi(2.0 * failures, 0.025);
    if e.n < 2 {
        return e;
    }
    e.with_bounds(low, high)
}

/// Summarises values in the order given (sums run sequentially, so the result is bit-stable).
pub fn estimate(values: impl Iterator<Item = f64>) -> Estimate {
    let values: Vec<f64> = values.collect();
    let n = values.len();
    if n == 0 {
        return Estimate {
            mean: f64::NAN,
            half_width: None,
            std_dev: 0.0,
            min: f64::NAN,
            max: f64::NAN,
            n,
            bounds: None,
        };
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if n < 2 {
        return Estimate {
            mean,
            half_width: None,
            std_dev: 0.0,
            min,
            max,
            n,
            bounds: None,
        };
    }
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let std_dev = variance.sqrt();
    let t = t_quantile_975(n - 1);
    Estimate {
        mean,
        half_width: Some(t * std_dev / (n as f64).sqrt()),
        std_dev,
        min,
        max,
        n,
        bounds: None,
    }
}

/// The 97.5% quantile of Student's t with `df` degrees of freedom.
pub fn t_quantile_975(df: usize) -> f64 {
    StudentsT::new(0.0, 1.0, df as f64)
        .map(|t| t.inverse_cdf(0.975))
        .unwrap_or(1.959_963_984_540_054)
}

/// A quantile of values pooled over every replication (all the interruptions of a study, say),
/// with a 95% interval. The interval comes from a bootstrap that resamples whole replications,
/// not single values: values within one replication are not independent (one carrier outage
/// interrupts many fleets at once), and a replication is the unit that is independent.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PooledQuantile {
    /// The nearest-rank quantile of the pooled values.
    pub value: f64,
    /// The 2.5% and 97.5% points of the bootstrap distribution of the quantile; `None` when
    /// fewer than two replications contributed values (resampling cannot vary then).
    pub interval: Option<(f64, f64)>,
    /// Values pooled.
    pub n: usize,
    /// Replications that contributed at least one value.
    pub replications: usize,
}

/// Bootstrap resamples behind a [`PooledQuantile`]'s interval: the 2.5% and 97.5% points of
/// 2,000 resamples move by well under a percent of their spread from one seed to another.
pub const BOOTSTRAP_RESAMPLES: usize = 2_000;

/// The nearest-rank `q` quantile of `values` (reordered in place), NaN when there are none.
fn nearest_rank(values: &mut [f64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * values.len() as f64).ceil() as usize).clamp(1, values.len());
    *values.select_nth_unstable_by(rank - 1, f64::total_cmp).1
}

/// The `q` quantile of every value of every replication, with its replication-bootstrap 95%
/// interval drawn from a generator seeded with `seed` (so the same study gives the same
/// bytes); `None` when no replication has a value.
pub fn pooled_quantile(per_replication: &[Vec<f64>], q: f64, seed: u64) -> Option<PooledQuantile> {
    let mut pooled: Vec<f64> = per_replication.iter().flatten().copied().collect();
    if pooled.is_empty() {
        return None;
    }
    let n = pooled.len();
    let value = nearest_rank(&mut pooled, q);
    let contributing = per_replication.iter().filter(|v| !v.is_empty()).count();
    let interval = (contributing >= 2).then(|| {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let r = per_replication.len();
        let mut resampled = Vec::with_capacity(BOOTSTRAP_RESAMPLES);
        if n > 64 * r {
            // Many values a replication (every device's own recoveries): count instead of
            // copying, the same draws and the same quantiles.
            let by_count = ResampleByCount::new(per_replication);
            let mut counts = vec![0u32; r];
            for _ in 0..BOOTSTRAP_RESAMPLES {
                counts.fill(0);
                for _ in 0..r {
                    counts[rng.random_range(0..r)] += 1;
                }
                if let Some(x) = by_count.quantile(&counts, q) {
                    resampled.push(x);
                }
            }
            let low = nearest_rank(&mut resampled, 0.025);
            let high = nearest_rank(&mut resampled, 0.975);
            return (low, high);
        }
        let mut buffer = Vec::with_capacity(n);
        for _ in 0..BOOTSTRAP_RESAMPLES {
            buffer.clear();
            for _ in 0..r {
                buffer.extend_from_slice(&per_replication[rng.random_range(0..r)]);
            }
            // A resample of replications without a value says nothing about the quantile.
            if !buffer.is_empty() {
                resampled.push(nearest_rank(&mut buffer, q));
            }
        }
        let low = nearest_rank(&mut resampled, 0.025);
        let high = nearest_rank(&mut resampled, 0.975);
        (low, high)
    });
    Some(PooledQuantile {
        value,
        interval,
        n,
        replications: contributing,
    })
}

/// A replication bootstrap's resamples as counts of each replication: the nearest-rank
/// quantile of a resample is the smallest pooled value with at least `rank` of the resample's
/// values at or below it, found by bisection over the pooled values with each replication's
/// own values sorted. It equals copying the resample out and selecting from it, in
/// O(R log² n) instead of O(n) a resample.
struct ResampleByCount {
    sorted: Vec<Vec<f64>>,
    pooled: Vec<f64>,
}

impl ResampleByCount {
    fn new(per_replication: &[Vec<f64>]) -> ResampleByCount {
        let sorted: Vec<Vec<f64>> = per_replication
            .iter()
            .map(|v| {
                let mut v = v.clone();
                v.sort_unstable_by(f64::total_cmp);
                v
            })
            .collect();
        let mut pooled: Vec<f64> = sorted.iter().flatten().copied().collect();
        pooled.sort_unstable_by(f64::total_cmp);
        ResampleByCount { sorted, pooled }
    }

    /// The nearest-rank `q` quantile of the resample taking replication i `counts[i]` times;
    /// `None` when it has no value.
    fn quantile(&self, counts: &[u32], q: f64) -> Option<f64> {
        let size: usize = counts
            .iter()
            .zip(&self.sorted)
            .map(|(&c, v)| c as usize * v.len())
            .sum();
        if size == 0 {
            return None;
        }
        let rank = ((q * size as f64).ceil() as usize).clamp(1, size);
        let at_or_below = |x: f64| -> usize {
            counts
                .iter()
                .zip(&self.sorted)
                .filter(|(c, _)| **c > 0)
                .map(|(&c, v)| c as usize * v.partition_point(|y| y.total_cmp(&x).is_le()))
                .sum()
        };
        let j = self.pooled.partition_point(|&x| at_or_below(x) < rank);
        Some(self.pooled[j])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counting_a_resample_gives_the_quantile_of_copying_it() {
        let per_replication = vec![
            vec![5.0, 1.0, 9.0, 3.0],
            vec![],
            vec![2.0, 2.0, 8.0],
            vec![7.0, 4.0, 6.0, 10.0, 0.5],
        ];
        let by_count = ResampleByCount::new(&per_replication);
        for counts in [
            [1, 0, 0, 0],
            [0, 3, 1, 0],
            [2, 1, 0, 1],
            [0, 0, 0, 4],
            [1, 1, 1, 1],
        ] {
            let mut copied: Vec<f64> = counts
                .iter()
                .zip(&per_replication)
                .flat_map(|(&c, v)| std::iter::repeat_n(v, c as usize).flatten().copied())
                .collect();
            for q in [0.0, 0.05, 0.5, 0.95, 0.99, 1.0] {
                let copied = nearest_rank(&mut copied, q);
                assert_eq!(
                    by_count.quantile(&counts, q),
                    Some(copied),
                    "{counts:?} q {q}"
                );
            }
        }
        assert_eq!(by_count.quantile(&[0, 2, 0, 0], 0.5), None);
    }

    #[test]
    fn student_t_interval_matches_tables() {
        // t(0.975, 4) = 2.776 from any table.
        assert!((t_quantile_975(4) - 2.776_445).abs() < 1e-5);
        let e = estimate([1.0, 2.0, 3.0, 4.0, 5.0].into_iter());
        assert_eq!(e.mean, 3.0);
        let expected = 2.776_445 * (2.5f64).sqrt() / 5f64.sqrt();
        assert!((e.half_width.unwrap() - expected).abs() < 1e-5);
    }

    #[test]
    fn the_wilson_interval_matches_its_formula_and_stays_in_range() {
        // 18 of 20: p = 0.9, Wilson [0.6990, 0.9721] (Agresti & Coull 1998, eq. 2 by hand).
        let e = wilson((0..20).map(|i| f64::from(u8::from(i >= 2))));
        assert_eq!(e.mean, 0.9);
        assert!((e.low() - 0.699_0).abs() < 1e-4, "{}", e.low());
        assert!((e.high() - 0.972_1).abs() < 1e-4, "{}", e.high());
        // All 20 survive: not 1 ± 0 but [0.8389, 1].
        let all = wilson(std::iter::repeat_n(1.0, 20));
        assert!((all.low() - 0.838_9).abs() < 1e-4, "{}", all.low());
        assert_eq!(all.high(), 1.0);
        assert!(all.half_width.unwrap() > 0.16);
    }

    #[test]
    fn the_exponential_mttf_is_time_on_test_over_failures() {
        // 10 units, 4 failed at 1, 2, 3, 4 h, 6 survived the 10 h test: T = 70 h, r = 4.
        let times = [1.0, 2.0, 3.0, 4.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0];
        let failed = [1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
        let e = exponential_mttf(&times, &failed);
        assert_eq!(e.mean, 17.5);
        // χ²(0.975; 10) = 20.483, χ²(0.025; 8) = 2.180 from any table.
        assert!((e.low() - 140.0 / 20.483_2).abs() < 1e-3, "{}", e.low());
        assert!((e.high() - 140.0 / 2.179_73).abs() < 1e-2, "{}", e.high());
        assert!(exponential_mttf(&[10.0, 10.0], &[0.0, 0.0]).mean.is_nan());
    }

    #[test]
    fn one_replication_has_no_interval() {
        let e = estimate([7.0].into_iter());
        assert_eq!((e.mean, e.half_width), (7.0, None));
    }

    #[test]
    fn a_pooled_quantile_takes_every_replication_and_its_interval_covers_it() {
        let reps: Vec<Vec<f64>> = (0..20)
            .map(|r| (0..10).map(|i| (r * 10 + i) as f64).collect())
            .collect();
        let p = pooled_quantile(&reps, 0.95, 7).expect("values");
        // 200 values 0..199: the 190th smallest is 189.
        assert_eq!((p.value, p.n, p.replications), (189.0, 200, 20));
        let (low, high) = p.interval.expect("20 replications");
        assert!(low <= p.value && p.value <= high, "{low} {high}");
        assert!(high - low > 0.0);
        assert_eq!(
            pooled_quantile(&reps, 0.95, 7),
            Some(p),
            "seeded: same bytes"
        );
    }

    #[test]
    fn a_pooled_quantile_of_one_replication_has_no_interval() {
        let reps = vec![vec![], vec![5.0, 1.0, 3.0], vec![]];
        let p = pooled_quantile(&reps, 0.5, 1).expect("values");
        assert_eq!((p.value, p.interval, p.replications), (3.0, None, 1));
        assert_eq!(pooled_quantile(&[vec![], vec![]], 0.5, 1), None);
    }
}
