//! Distributions of durations, compiled once and sampled in ticks.

use rand::{Rng, RngExt};
use rand_distr::{Distribution, Exp, LogNormal, Weibull};

use super::time::Ticks;

/// A checked, ready-to-sample distribution of durations. Construct it with the functions below;
/// they refuse parameters that would make sampling meaningless.
#[derive(Clone, Debug)]
pub enum DurationDist {
    Fixed(Ticks),
    Exponential {
        mean: f64,
        exp: Exp<f64>,
    },
    Weibull {
        shape: f64,
        scale: f64,
        weibull: Weibull<f64>,
    },
    LogNormal {
        median: f64,
        sigma: f64,
        lognormal: LogNormal<f64>,
    },
    Uniform {
        min: Ticks,
        max: Ticks,
    },
    /// A fixed period plus a random delay, e.g. 60 s plus Exp(2 s).
    Jitter {
        period: Ticks,
        jitter: Box<DurationDist>,
    },
    /// Competing risks: the first of several independent causes, e.g. a bathtub curve made of
    /// infant mortality, random failures and wear-out.
    First(Vec<DurationDist>),
}

/// Why parameters were refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DistError {
    #[error("{0} must be a positive, finite number")]
    NotPositive(&'static str),
    #[error("min must not exceed max")]
    MinAboveMax,
}

fn positive(value: f64, what: &'static str) -> Result<f64, DistError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(DistError::NotPositive(what))
    }
}

impl DurationDist {
    pub fn fixed(ticks: Ticks) -> Self {
        DurationDist::Fixed(ticks)
    }

    pub fn exponential(mean: Ticks) -> Result<Self, DistError> {
        let mean = positive(mean as f64, "mean")?;
        let exp = Exp::new(1.0 / mean).map_err(|_| DistError::NotPositive("mean"))?;
        Ok(DurationDist::Exponential { mean, exp })
    }

    pub fn weibull(shape: f64, scale: Ticks) -> Result<Self, DistError> {
        let shape = positive(shape, "shape")?;
        let scale = positive(scale as f64, "scale")?;
        let weibull = Weibull::new(scale, shape).map_err(|_| DistError::NotPositive("shape"))?;
        Ok(DurationDist::Weibull {
            shape,
            scale,
            weibull,
        })
    }

    /// A log-normal law given by its median and the standard deviation of its logarithm.
    pub fn lognormal(median: Ticks, sigma: f64) -> Result<Self, DistError> {
        let median = positive(median as f64, "median")?;
        let sigma = positive(sigma, "sigma")?;
        let lognormal =
            LogNormal::new(median.ln(), sigma).map_err(|_| DistError::NotPositive("sigma"))?;
        Ok(DurationDist::LogNormal {
            median,
            sigma,
            lognormal,
        })
    }

    pub fn uniform(min: Ticks, max: Ticks) -> Result<Self, DistError> {
        if min > max {
            return Err(DistError::MinAboveMax);
        }
        Ok(DurationDist::Uniform { min, max })
    }

    pub fn jitter(period: Ticks, jitter: DurationDist) -> Self {
        DurationDist::Jitter {
            period,
            jitter: Box::new(jitter),
        }
    }

    /// One draw, rounded to the nearest tick.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Ticks {
        match self {
            DurationDist::Fixed(t) => *t,
            DurationDist::Exponential { exp, .. } => to_ticks(exp.sample(rng)),
            DurationDist::Weibull { weibull, .. } => to_ticks(weibull.sample(rng)),
            DurationDist::LogNormal { lognormal, .. } => to_ticks(lognormal.sample(rng)),
            DurationDist::Uniform { min, max } => rng.random_range(*min..=*max),
            DurationDist::Jitter { period, jitter } => period.saturating_add(jitter.sample(rng)),
            DurationDist::First(risks) => risks.iter().map(|r| r.sample(rng)).min().unwrap_or(0),
        }
    }

    /// A competing-risks law: the first of `risks` to strike.
    pub fn first(risks: Vec<DurationDist>) -> Self {
        DurationDist::First(risks)
    }

    /// The same law `factor` times faster (an accelerated-life model: every draw divided by
    /// `factor`, so the hazard of an exponential law is multiplied by it).
    #[expect(
        clippy::expect_used,
        reason = "a positive parameter divided by a positive factor stays positive"
    )]
    pub fn accelerated(&self, factor: f64) -> DurationDist {
        if factor == 1.0 {
            return self.clone();
        }
        let shrink = |t: Ticks| to_ticks(t as f64 / factor);
        match self {
            DurationDist::Fixed(t) => DurationDist::Fixed(shrink(*t)),
            DurationDist::Exponential { mean, .. } => {
                let mean = mean / factor;
                DurationDist::Exponential {
                    mean,
                    // ok: `factor` is an environment preset (1, 1.5 or 2) and the law was checked positive
                    // and finite when compiled, so dividing by the factor keeps it positive.
                    exp: Exp::new(1.0 / mean).expect("a positive mean stays positive"),
                }
            }
            DurationDist::Weibull { shape, scale, .. } => {
                let scale = scale / factor;
                DurationDist::Weibull {
                    shape: *shape,
                    scale,
                    // ok: as for the exponential law above.
                    weibull: Weibull::new(scale, *shape).expect("a positive scale stays positive"),
                }
            }
            DurationDist::LogNormal { median, sigma, .. } => {
                let median = median / factor;
                DurationDist::LogNormal {
                    median,
                    sigma: *sigma,
                    // ok: as for the exponential law above.
                    lognormal: LogNormal::new(median.ln(), *sigma)
                        .expect("a positive median stays positive"),
                }
            }
            DurationDist::Uniform { min, max } => DurationDist::Uniform {
                min: shrink(*min),
                max: shrink(*max),
            },
            DurationDist::Jitter { period, jitter } => DurationDist::Jitter {
                period: shrink(*period),
                jitter: Box::new(jitter.accelerated(factor)),
            },
            DurationDist::First(risks) => {
                DurationDist::First(risks.iter().map(|r| r.accelerated(factor)).collect())
            }
        }
    }

    /// The probability that a draw exceeds `t` ticks (the reliability R(t) of a lifetime).
    pub fn survival(&self, t: f64) -> f64 {
        use statrs::distribution::{ContinuousCDF, Normal};
        match self {
            DurationDist::Fixed(v) => f64::from(*v as f64 > t),
            DurationDist::Exponential { mean, .. } => (-t.max(0.0) / mean).exp(),
            DurationDist::Weibull { shape, scale, .. } => {
                (-(t.max(0.0) / scale).powf(*shape)).exp()
            }
            DurationDist::LogNormal { median, sigma, .. } => {
                if t <= 0.0 {
                    1.0
                } else {
                    let z = (t / median).ln() / sigma;
                    Normal::standard().sf(z)
                }
            }
            DurationDist::Uniform { min, max } => {
                let (lo, hi) = (*min as f64, *max as f64);
                if t < lo {
                    1.0
                } else if t >= hi {
                    0.0
                } else {
                    (hi - t) / (hi - lo)
                }
            }
            DurationDist::Jitter { period, jitter } => jitter.survival(t - *period as f64),
            DurationDist::First(risks) => risks.iter().map(|r| r.survival(t)).product(),
        }
    }

    /// A draw of the time left to a unit of this lifetime that has already survived to `age`
    /// ticks: a fleet installed before the simulation starts is not new.
    pub fn sample_residual<R: Rng + ?Sized>(&self, age: Ticks, rng: &mut R) -> Ticks {
        if age == 0 {
            return self.sample(rng);
        }
        let a = age as f64;
        // Inverse transform on the conditional survival S(a + x) / S(a) = u.
        let u: f64 = 1.0 - rng.random::<f64>(); // in (0, 1]
        match self {
            DurationDist::Fixed(v) => v.saturating_sub(age),
            DurationDist::Exponential { mean, .. } => to_ticks(-mean * u.ln()),
            DurationDist::Weibull { shape, scale, .. } => {
                // S(t) = exp(-(t/scale)^shape): (a+x)^k = a^k - scale^k ln u.
                let total = scale * ((a / scale).powf(*shape) - u.ln()).powf(1.0 / shape);
                to_ticks((total - a).max(0.0))
            }
            DurationDist::LogNormal { median, sigma, .. } => {
                use statrs::distribution::{ContinuousCDF, Normal};
                let normal = Normal::standard();
                // S(a + x) = u S(a), i.e. z = -Φ⁻¹(u S(a)) (exact in the far tail too).
                let target = (u * self.survival(a)).max(f64::MIN_POSITIVE);
                let z = -normal.inverse_cdf(target);
                let total = median * (sigma * z).exp();
                to_ticks((total - a).max(0.0))
            }
            DurationDist::Uniform { min, max } => {
                let lo = (*min).max(age);
                if lo >= *max {
                    0
                } else {
                    rng.random_range(lo..=*max) - age
                }
            }
            DurationDist::Jitter { period, jitter } => {
                if age <= *period {
                    period - age + jitter.sample(rng)
                } else {
                    jitter.sample_residual(age - period, rng)
                }
            }
            // The first of independent risks, each conditioned on having not struck by `age`.
            DurationDist::First(risks) => risks
                .iter()
                .map(|r| r.sample_residual(age, rng))
                .min()
                .unwrap_or(0),
        }
    }

    /// The mean in ticks.
    pub fn mean(&self) -> f64 {
        match self {
            DurationDist::Fixed(t) => *t as f64,
            DurationDist::Exponential { mean, .. } => *mean,
            DurationDist::Weibull { shape, scale, .. } => scale * gamma(1.0 + 1.0 / shape),
            DurationDist::LogNormal { median, sigma, .. } => median * (sigma * sigma / 2.0).exp(),
            DurationDist::Uniform { min, max } => (*min as f64 + *max as f64) / 2.0,
            DurationDist::Jitter { period, jitter } => *period as f64 + jitter.mean(),
            // ∫ S(t) dt by Simpson's rule over the range where S matters.
            DurationDist::First(_) => {
                let hi = self.quantile_upper();
                let n = 4096;
                let h = hi / n as f64;
                let mut sum = self.survival(0.0) + self.survival(hi);
                for i in 1..n {
                    sum += self.survival(i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
                }
                sum * h / 3.0
            }
        }
    }

    /// A time beyond which survival is negligible (below 1e-12), for numerical integrals.
    fn quantile_upper(&self) -> f64 {
        let mut t = 1.0f64;
        while self.survival(t) > 1e-12 && t < 1e18 {
            t *= 2.0;
        }
        t
    }

    /// The second moment E\[X²\] in ticks² (flow mode's Pollaczek–Khinchine waiting time needs
    /// it).
    pub fn second_moment(&self) -> f64 {
        match self {
            DurationDist::Fixed(t) => (*t as f64).powi(2),
            DurationDist::Exponential { mean, .. } => 2.0 * mean * mean,
            DurationDist::Weibull { shape, scale, .. } => scale * scale * gamma(1.0 + 2.0 / shape),
            DurationDist::LogNormal { median, sigma, .. } => {
                median * median * (2.0 * sigma * sigma).exp()
            }
            DurationDist::Uniform { min, max } => {
                let (a, b) = (*min as f64, *max as f64);
                (a * a + a * b + b * b) / 3.0
            }
            DurationDist::Jitter { period, jitter } => {
                let p = *period as f64;
                p * p + 2.0 * p * jitter.mean() + jitter.second_moment()
            }
            // ∫ 2t S(t) dt by Simpson's rule, as `mean` does for ∫ S(t) dt.
            DurationDist::First(_) => {
                let hi = self.quantile_upper();
                let n = 4096;
                let h = hi / n as f64;
                let f = |t: f64| 2.0 * t * self.survival(t);
                let mut sum = f(0.0) + f(hi);
                for i in 1..n {
                    sum += f(i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
                }
                sum * h / 3.0
            }
        }
    }

    /// The smallest value a draw can take.
    pub fn min(&self) -> Ticks {
        match self {
            DurationDist::Fixed(t) => *t,
            DurationDist::Uniform { min, .. } => *min,
            DurationDist::Jitter { period, jitter } => period.saturating_add(jitter.min()),
            DurationDist::First(risks) => risks.iter().map(|r| r.min()).min().unwrap_or(0),
            _ => 0,
        }
    }

    /// The period a periodic process nominally repeats at: the fixed part where there is one,
    /// else the mean. A device's first report falls uniformly in one such period (random phase).
    pub fn nominal_period(&self) -> Ticks {
        match self {
            DurationDist::Fixed(t) => *t,
            DurationDist::Jitter { period, .. } => *period,
            other => other.mean().round() as Ticks,
        }
    }
}

/// Rounds a non-negative draw to ticks; saturates rather than wrapping on absurd draws.
#[inline(always)]
fn to_ticks(x: f64) -> Ticks {
    // `x + 0.5` truncated is round-half-up for x ≥ 0, without a libm call in the hot loop.
    if x < (u64::MAX / 2) as f64 {
        (x + 0.5) as Ticks
    } else {
        u64::MAX / 2
    }
}

fn gamma(x: f64) -> f64 {
    statrs::function::gamma::gamma(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::random::StreamKey;

    fn rng() -> crate::engine::Stream {
        StreamKey {
            seed: 1,
            replication: 0,
            entity: 0,
            process: 0,
        }
        .stream()
    }

    #[test]
    fn sample_means_match_the_laws() {
        let laws = [
            DurationDist::exponential(1_000_000).unwrap(),
            DurationDist::weibull(1.5, 1_000_000).unwrap(),
            DurationDist::lognormal(1_000_000, 0.5).unwrap(),
            DurationDist::uniform(0, 2_000_000).unwrap(),
            DurationDist::jitter(1_000_000, DurationDist::exponential(500_000).unwrap()),
        ];
        let n = 200_000;
        for law in laws {
            let mut r = rng();
            let mean = (0..n).map(|_| law.sample(&mut r) as f64).sum::<f64>() / n as f64;
            // Coefficient of variation ≤ 1 for all of these, so 5 standard errors is
            // at most 5 × mean / √n.
            let tolerance = 5.0 * law.mean() / (n as f64).sqrt();
            assert!(
                (mean - law.mean()).abs() < tolerance,
                "{law:?}: {mean} vs {}",
                law.mean()
            );
        }
    }

    #[test]
    fn refuses_meaningless_parameters() {
        assert!(DurationDist::exponential(0).is_err());
        assert!(DurationDist::weibull(-1.0, 10).is_err());
        assert!(DurationDist::weibull(f64::NAN, 10).is_err());
        assert!(DurationDist::lognormal(10, 0.0).is_err());
        assert_eq!(
            DurationDist::uniform(5, 4).unwrap_err(),
            DistError::MinAboveMax
        );
    }

    /// Golden draws: a dependency upgrade that changes sampling must fail loudly.
    #[test]
    fn golden_draws() {
        let laws = [
            DurationDist::exponential(1_000_000).unwrap(),
            DurationDist::weibull(1.5, 1_000_000).unwrap(),
            DurationDist::lognormal(1_000_000, 0.5).unwrap(),
            DurationDist::uniform(0, 2_000_000).unwrap(),
        ];
        let mut r = rng();
        let draws: Vec<Ticks> = laws.iter().map(|l| l.sample(&mut r)).collect();
        assert_eq!(draws, GOLDEN, "sampling changed: {draws:?}");
    }
    const GOLDEN: [Ticks; 4] = [156040, 72332, 1522503, 268034];
}
