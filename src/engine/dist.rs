//! Distributions of durations, compiled once and sampled in ticks.

use std::sync::Arc;

use rand::{Rng, RngExt};
use rand_distr::{Distribution, Exp, Gamma, LogNormal, Weibull};

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
    /// The gamma law, shape k and scale θ (mean kθ); Erlang-k is the gamma law of whole shape
    /// k: the sum of k exponential phases.
    Gamma {
        shape: f64,
        scale: f64,
        gamma: Gamma<f64>,
    },
    /// Observed durations resampled with replacement (the empirical law: each value has
    /// probability 1/n). Sorted, shared between the clones a run makes.
    Empirical(Arc<[Ticks]>),
    /// A draw from law i with probability `weights[i]` (normalised to sum to 1), e.g. most
    /// repairs on site, a few waiting for a part.
    Mixture {
        weights: Vec<f64>,
        laws: Vec<DurationDist>,
    },
    /// The equilibrium (forward-recurrence) law of a renewal process with inter-event law F:
    /// the time to the next event seen from a random instant, density S_F(t)/mean_F. Kept as
    /// its distribution function tabulated on a grid and inverted by linear interpolation.
    Equilibrium(Arc<EquilibriumTable>),
}

/// The distribution function of an equilibrium law on a grid: `cdf[i]` = P(X ≤ i·step), with
/// the law's first two moments (exact, from the underlying law).
#[derive(Debug, PartialEq)]
pub struct EquilibriumTable {
    step: f64,
    cdf: Vec<f64>,
    mean: f64,
    second_moment: f64,
}

/// Why parameters were refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DistError {
    #[error("{0} must be a positive, finite number")]
    NotPositive(&'static str),
    #[error("min must not exceed max")]
    MinAboveMax,
    #[error("an empirical law needs at least one observed duration")]
    NoObservations,
    #[error("a mixture needs as many positive, finite weights as laws, at least one")]
    BadWeights,
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

    /// The gamma law of `shape` k and `scale` θ ticks: mean kθ, variance kθ².
    pub fn gamma(shape: f64, scale: f64) -> Result<Self, DistError> {
        let shape = positive(shape, "shape")?;
        let scale = positive(scale, "scale")?;
        let gamma = Gamma::new(shape, scale).map_err(|_| DistError::NotPositive("shape"))?;
        Ok(DurationDist::Gamma {
            shape,
            scale,
            gamma,
        })
    }

    /// The Erlang law: `k` exponential phases in a row, `mean` ticks in all.
    pub fn erlang(k: u32, mean: Ticks) -> Result<Self, DistError> {
        let k = positive(f64::from(k), "k")?;
        let mean = positive(mean as f64, "mean")?;
        Self::gamma(k, mean / k)
    }

    /// The empirical law of observed durations: each observation drawn with probability 1/n.
    pub fn empirical(mut observed: Vec<Ticks>) -> Result<Self, DistError> {
        if observed.is_empty() {
            return Err(DistError::NoObservations);
        }
        observed.sort_unstable();
        Ok(DurationDist::Empirical(observed.into()))
    }

    /// A mixture: law i drawn with probability `weights[i] / Σ weights`.
    pub fn mixture(weights: &[f64], laws: Vec<DurationDist>) -> Result<Self, DistError> {
        let total: f64 = weights.iter().sum();
        if laws.is_empty()
            || weights.len() != laws.len()
            || weights.iter().any(|w| !(w.is_finite() && *w > 0.0))
            || !total.is_finite()
        {
            return Err(DistError::BadWeights);
        }
        Ok(DurationDist::Mixture {
            weights: weights.iter().map(|w| w / total).collect(),
            laws,
        })
    }

    /// The equilibrium (forward-recurrence) law of a renewal process whose times between
    /// events follow `self`: what is left of the current interval at a random instant, with
    /// density S(t)/mean. Started with it, a renewal process is stationary from time 0.
    pub fn equilibrium(&self) -> Self {
        /// Grid points: the distribution function is tabulated to about 1e-6 (trapezoid rule,
        /// error of order step² × max|S'|).
        const POINTS: usize = 1 << 14;
        if let DurationDist::Fixed(t) = self {
            // S = 1 on [0, t): the forward recurrence time is uniform on [0, t].
            return DurationDist::Uniform { min: 0, max: *t };
        }
        if let DurationDist::Exponential { .. } = self {
            return self.clone(); // memoryless: the equilibrium law is the law itself
        }
        let mean = self.mean();
        let upper = self.quantile_upper();
        let step = upper / (POINTS - 1) as f64;
        let mut cdf = Vec::with_capacity(POINTS);
        let mut integral = 0.0;
        let mut previous = self.survival(0.0);
        cdf.push(0.0);
        for i in 1..POINTS {
            let s = self.survival(i as f64 * step);
            integral += (previous + s) * step / 2.0;
            previous = s;
            cdf.push(integral);
        }
        // Normalise by the tabulated total so the table ends at exactly 1.
        let total = integral.max(f64::MIN_POSITIVE);
        for c in &mut cdf {
            *c /= total;
        }
        let m2 = self.second_moment();
        DurationDist::Equilibrium(Arc::new(EquilibriumTable {
            step,
            cdf,
            // E[Y] = E[X²]/(2 E[X]) and E[Y²] = E[X³]/(3 E[X]); the third moment is taken
            // from the table.
            mean: m2 / (2.0 * mean),
            second_moment: f64::NAN,
        }))
        .with_tabulated_second_moment()
    }

    fn with_tabulated_second_moment(self) -> Self {
        let DurationDist::Equilibrium(table) = &self else {
            return self;
        };
        // E[Y²] = ∫ 2t P(Y > t) dt over the grid (trapezoids).
        let t = table.as_ref();
        let mut m2 = 0.0;
        for i in 1..t.cdf.len() {
            let (a, b) = ((i - 1) as f64 * t.step, i as f64 * t.step);
            m2 += (2.0 * a * (1.0 - t.cdf[i - 1]) + 2.0 * b * (1.0 - t.cdf[i])) * t.step / 2.0;
        }
        DurationDist::Equilibrium(Arc::new(EquilibriumTable {
            step: t.step,
            cdf: t.cdf.clone(),
            mean: t.mean,
            second_moment: m2,
        }))
    }

    /// One draw, rounded to the nearest tick.
    ///
    /// The laws messages draw (report intervals, latencies, service times) are sampled here,
    /// the rest in a function of their own, so that the heavy and recursive ones (gamma,
    /// mixtures) do not weigh on the hot path's code: one match for all of them cost the
    /// factory scenario 4% of its instructions.
    ///
    /// A jitter's inner law is drawn by `DurationDist::sample_flat`, not by a call back into
    /// this function: without the recursion the whole draw inlines into its caller (a
    /// device's report, every message).
    ///
    /// A fixed delay (the usual latency of a hop, crossed by every message) is answered before
    /// the match, in two instructions rather than through its jump table.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Ticks {
        if let DurationDist::Fixed(t) = self {
            return *t;
        }
        match self {
            DurationDist::Jitter { period, jitter } => {
                period.saturating_add(jitter.sample_flat(rng))
            }
            _ => self.sample_flat(rng),
        }
    }

    /// [`DurationDist::sample`] for every law but the jitter, which goes with the rest to
    /// [`DurationDist::sample_other`].
    #[inline(always)]
    fn sample_flat<R: Rng + ?Sized>(&self, rng: &mut R) -> Ticks {
        match self {
            DurationDist::Fixed(t) => *t,
            DurationDist::Exponential { exp, .. } => to_ticks(exp.sample(rng)),
            DurationDist::Uniform { min, max } => rng.random_range(*min..=*max),
            DurationDist::LogNormal { lognormal, .. } => to_ticks(lognormal.sample(rng)),
            _ => self.sample_other(rng),
        }
    }

    /// The laws [`DurationDist::sample`] does not draw inline.
    #[inline(never)]
    fn sample_other<R: Rng + ?Sized>(&self, rng: &mut R) -> Ticks {
        match self {
            // Drawn inline by `sample`, which hands here only a jitter inside a jitter.
            DurationDist::Fixed(_)
            | DurationDist::Exponential { .. }
            | DurationDist::Uniform { .. }
            | DurationDist::LogNormal { .. }
            | DurationDist::Jitter { .. } => self.sample(rng),
            DurationDist::Weibull { weibull, .. } => to_ticks(weibull.sample(rng)),
            DurationDist::First(risks) => risks.iter().map(|r| r.sample(rng)).min().unwrap_or(0),
            DurationDist::Gamma { gamma, .. } => to_ticks(gamma.sample(rng)),
            DurationDist::Empirical(values) => values[rng.random_range(0..values.len())],
            DurationDist::Mixture { weights, laws } => {
                laws[pick(weights, rng.random::<f64>())].sample(rng)
            }
            DurationDist::Equilibrium(table) => to_ticks(table.quantile(rng.random::<f64>())),
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
            DurationDist::Gamma { shape, scale, .. } => {
                let scale = scale / factor;
                DurationDist::Gamma {
                    shape: *shape,
                    scale,
                    // ok: as for the exponential law above.
                    gamma: Gamma::new(*shape, scale).expect("a positive scale stays positive"),
                }
            }
            DurationDist::Empirical(values) => {
                DurationDist::Empirical(values.iter().map(|&t| shrink(t)).collect())
            }
            DurationDist::Mixture { weights, laws } => DurationDist::Mixture {
                weights: weights.clone(),
                laws: laws.iter().map(|l| l.accelerated(factor)).collect(),
            },
            DurationDist::Equilibrium(table) => {
                DurationDist::Equilibrium(Arc::new(table.as_ref().scaled(1.0 / factor)))
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
            DurationDist::Gamma { shape, scale, .. } => {
                if t <= 0.0 {
                    1.0
                } else {
                    // The regularised upper incomplete gamma Q(k, t/θ), accurate in the tail.
                    statrs::function::gamma::gamma_ur(*shape, t / scale)
                }
            }
            DurationDist::Empirical(values) => {
                let above = values.len() - values.partition_point(|&v| v as f64 <= t);
                above as f64 / values.len() as f64
            }
            DurationDist::Mixture { weights, laws } => weights
                .iter()
                .zip(laws)
                .map(|(w, l)| w * l.survival(t))
                .sum(),
            DurationDist::Equilibrium(table) => 1.0 - table.cdf_at(t),
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
            DurationDist::Gamma { .. } | DurationDist::Equilibrium(_) => {
                // S(a + x) = u S(a), solved for a + x by bisection on the survival function
                // (monotone; 200 halvings reach a tick from any range).
                let target = u * self.survival(a);
                let (mut lo, mut hi) = (a, a.max(1.0) * 2.0);
                while self.survival(hi) > target && hi < 1e18 {
                    lo = hi;
                    hi *= 2.0;
                }
                for _ in 0..200 {
                    let mid = (lo + hi) / 2.0;
                    if self.survival(mid) > target {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                    if hi - lo < 0.5 {
                        break;
                    }
                }
                to_ticks((hi - a).max(0.0))
            }
            // Uniformly among the observations beyond `age`; none left: it ends now.
            DurationDist::Empirical(values) => {
                let first = values.partition_point(|&v| v <= age);
                if first == values.len() {
                    0
                } else {
                    values[rng.random_range(first..values.len())] - age
                }
            }
            // The component is drawn by its posterior weight w_i S_i(a) / S(a), then its own
            // residual life.
            DurationDist::Mixture { weights, laws } => {
                let posterior: Vec<f64> = weights
                    .iter()
                    .zip(laws)
                    .map(|(w, l)| w * l.survival(a))
                    .collect();
                let total: f64 = posterior.iter().sum();
                if total <= 0.0 {
                    return 0;
                }
                let i = pick(&posterior, u * total);
                laws[i].sample_residual(age, rng)
            }
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
            DurationDist::Gamma { shape, scale, .. } => shape * scale,
            DurationDist::Empirical(values) => {
                values.iter().map(|&v| v as f64).sum::<f64>() / values.len() as f64
            }
            DurationDist::Mixture { weights, laws } => {
                weights.iter().zip(laws).map(|(w, l)| w * l.mean()).sum()
            }
            DurationDist::Equilibrium(table) => table.mean,
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

    /// The p-quantile in ticks: the smallest t with P(X ≤ t) ≥ p, by bisection on the
    /// survival function (to half a tick).
    pub fn quantile(&self, p: f64) -> f64 {
        let target = 1.0 - p.clamp(0.0, 1.0);
        let (mut lo, mut hi) = (0.0f64, 1.0f64);
        while self.survival(hi) > target && hi < 1e18 {
            lo = hi;
            hi *= 2.0;
        }
        while hi - lo > 0.5 {
            let mid = (lo + hi) / 2.0;
            if self.survival(mid) > target {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        hi
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
            DurationDist::Gamma { shape, scale, .. } => shape * (shape + 1.0) * scale * scale,
            DurationDist::Empirical(values) => {
                values.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / values.len() as f64
            }
            DurationDist::Mixture { weights, laws } => weights
                .iter()
                .zip(laws)
                .map(|(w, l)| w * l.second_moment())
                .sum(),
            DurationDist::Equilibrium(table) => table.second_moment,
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
            DurationDist::Empirical(values) => values[0],
            DurationDist::Mixture { laws, .. } => laws.iter().map(|l| l.min()).min().unwrap_or(0),
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
    // Below 2^63 the sum fits a signed integer, whose conversion is one instruction and a
    // saturation check where the unsigned one takes two conversions and a blend (x86-64);
    // negative sums go to 0, as the unsigned conversion's saturation sends them.
    if x < (u64::MAX / 2) as f64 {
        ((x + 0.5) as i64).max(0) as Ticks
    } else {
        u64::MAX / 2
    }
}

/// The index i where the running sum of `weights` first exceeds `u` (the last one if rounding
/// leaves `u` beyond the total).
fn pick(weights: &[f64], u: f64) -> usize {
    let mut sum = 0.0;
    for (i, w) in weights.iter().enumerate() {
        sum += w;
        if u < sum {
            return i;
        }
    }
    weights.len() - 1
}

impl EquilibriumTable {
    /// P(X ≤ t), linear between grid points.
    fn cdf_at(&self, t: f64) -> f64 {
        if t <= 0.0 {
            return 0.0;
        }
        let x = t / self.step;
        let i = x.floor() as usize;
        if i + 1 >= self.cdf.len() {
            return 1.0;
        }
        let frac = x - i as f64;
        self.cdf[i] + frac * (self.cdf[i + 1] - self.cdf[i])
    }

    /// The value whose distribution function is `u` (inverse of [`Self::cdf_at`]).
    fn quantile(&self, u: f64) -> f64 {
        let i = self.cdf.partition_point(|&c| c < u);
        if i == 0 {
            return 0.0;
        }
        if i >= self.cdf.len() {
            return (self.cdf.len() - 1) as f64 * self.step;
        }
        let (c0, c1) = (self.cdf[i - 1], self.cdf[i]);
        let frac = if c1 > c0 { (u - c0) / (c1 - c0) } else { 0.0 };
        ((i - 1) as f64 + frac) * self.step
    }

    /// The same law with every duration multiplied by `k`.
    fn scaled(&self, k: f64) -> EquilibriumTable {
        EquilibriumTable {
            step: self.step * k,
            cdf: self.cdf.clone(),
            mean: self.mean * k,
            second_moment: self.second_moment * k * k,
        }
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

    /// The signed conversion gives the unsigned one's ticks for every draw: negative and
    /// tiny draws, halves (round half up), the 2^53 edge where halves stop being exact, the
    /// largest draw below the saturation and beyond it, infinities and NaN.
    #[test]
    fn ticks_round_every_draw_as_the_unsigned_conversion_does() {
        let unsigned = |x: f64| {
            if x < (u64::MAX / 2) as f64 {
                (x + 0.5) as u64
            } else {
                u64::MAX / 2
            }
        };
        let two53 = (1u64 << 53) as f64;
        let mut draws = vec![
            -1e300,
            -1.0,
            -0.5,
            -0.4,
            -0.0,
            0.0,
            0.49,
            0.5,
            1.5,
            2.5,
            1e6 + 0.5,
            two53 - 1.5,
            two53 - 0.5,
            two53,
            two53 + 2.0,
            (u64::MAX / 2) as f64 - 1024.0,
            (u64::MAX / 2) as f64,
            1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            draws.push(f64::from_bits(x));
        }
        for d in draws {
            assert_eq!(to_ticks(d), unsigned(d), "draw {d:e}");
        }
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

    /// Golden draws of the laws added later, pinned the same way.
    #[test]
    fn golden_draws_of_gamma_empirical_and_mixture() {
        let laws = [
            DurationDist::gamma(2.5, 400_000.0).unwrap(),
            DurationDist::empirical(vec![5, 1, 3]).unwrap(),
            DurationDist::mixture(
                &[1.0, 3.0],
                vec![DurationDist::fixed(7), DurationDist::fixed(9)],
            )
            .unwrap(),
        ];
        let mut r = rng();
        let draws: Vec<Ticks> = laws.iter().map(|l| l.sample(&mut r)).collect();
        assert_eq!(draws, GOLDEN_NEW, "sampling changed: {draws:?}");
    }
    const GOLDEN_NEW: [Ticks; 3] = [1461884, 3, 7];

    /// Mean and second moment of each new law against the sample's, within 5 standard errors.
    #[test]
    fn new_laws_sample_their_moments() {
        let laws = [
            DurationDist::gamma(0.5, 1_000_000.0).unwrap(),
            DurationDist::gamma(3.0, 1_000_000.0).unwrap(),
            DurationDist::erlang(2, 1_000_000).unwrap(),
            DurationDist::empirical(vec![100, 200, 200, 900, 5_000]).unwrap(),
            DurationDist::mixture(
                &[0.9, 0.1],
                vec![
                    DurationDist::exponential(100_000).unwrap(),
                    DurationDist::fixed(2_000_000),
                ],
            )
            .unwrap(),
            DurationDist::weibull(2.0, 1_000_000).unwrap().equilibrium(),
            DurationDist::lognormal(1_000_000, 0.5)
                .unwrap()
                .equilibrium(),
        ];
        let n = 200_000;
        for law in laws {
            let mut r = rng();
            let draws: Vec<f64> = (0..n).map(|_| law.sample(&mut r) as f64).collect();
            let mean = draws.iter().sum::<f64>() / n as f64;
            let m2 = draws.iter().map(|x| x * x).sum::<f64>() / n as f64;
            let sd = (law.second_moment() - law.mean().powi(2)).sqrt();
            let tolerance = 5.0 * sd / (n as f64).sqrt() + 1.0;
            assert!(
                (mean - law.mean()).abs() < tolerance,
                "{law:?}: mean {mean} vs {}",
                law.mean()
            );
            assert!(
                (m2 - law.second_moment()).abs() < 0.05 * law.second_moment(),
                "{law:?}: second moment {m2} vs {}",
                law.second_moment()
            );
        }
    }

    /// Erlang-2's survival is (1 + 2t/m) e^{-2t/m} for mean m.
    #[test]
    fn erlang_survival_is_the_closed_form() {
        let m: f64 = 1_000.0;
        let law = DurationDist::erlang(2, 1_000).unwrap();
        for t in [0.0f64, 10.0, 500.0, 1_000.0, 4_000.0, 20_000.0] {
            let x = 2.0 * t / m;
            let exact = (1.0 + x) * (-x).exp();
            assert!(
                (law.survival(t) - exact).abs() < 1e-12 * exact.max(1e-300) + 1e-15,
                "{t}"
            );
        }
        assert!(
            (law.quantile(0.5) - 839.2).abs() < 1.0,
            "{}",
            law.quantile(0.5)
        );
    }

    /// The equilibrium law of a Weibull(2) lifetime has mean E[X²]/(2 E[X]), and its survival
    /// is the integral of S from t, over the mean.
    #[test]
    fn equilibrium_law_is_the_forward_recurrence_time() {
        let law = DurationDist::weibull(2.0, 1_000_000).unwrap();
        let eq = law.equilibrium();
        let expected = law.second_moment() / (2.0 * law.mean());
        assert!((eq.mean() - expected).abs() < 1e-9 * expected);
        // ∫_t^∞ exp(-(x/s)²) dx / mean = erfc(t/s) √π s/2 / mean = erfc(t/s) for Weibull(2).
        for t in [0.0, 300_000.0, 1_000_000.0, 2_000_000.0] {
            let exact = statrs::function::erf::erfc(t / 1_000_000.0);
            assert!(
                (eq.survival(t) - exact).abs() < 1e-5,
                "{t}: {}",
                eq.survival(t)
            );
        }
        // Memoryless and fixed laws have closed forms.
        let exp = DurationDist::exponential(500).unwrap();
        assert_eq!(exp.equilibrium().mean(), 500.0);
        assert!(matches!(
            DurationDist::fixed(60).equilibrium(),
            DurationDist::Uniform { min: 0, max: 60 }
        ));
    }

    /// A residual life drawn at age a has the conditional law S(a + x) / S(a).
    #[test]
    fn residual_lives_of_new_laws_are_conditional() {
        let laws = [
            DurationDist::gamma(3.0, 1_000.0).unwrap(),
            DurationDist::mixture(
                &[0.5, 0.5],
                vec![
                    DurationDist::exponential(500).unwrap(),
                    DurationDist::fixed(10_000),
                ],
            )
            .unwrap(),
            DurationDist::empirical(vec![100, 2_000, 3_000, 9_000]).unwrap(),
        ];
        let (age, x, n) = (1_500, 1_000.0, 100_000);
        for law in laws {
            let mut r = rng();
            let beyond = (0..n)
                .filter(|_| law.sample_residual(age, &mut r) as f64 > x)
                .count() as f64
                / n as f64;
            let a = age as f64;
            let exact = law.survival(a + x) / law.survival(a);
            let sd = (exact * (1.0 - exact) / n as f64).sqrt();
            assert!(
                (beyond - exact).abs() < 5.0 * sd + 1e-3,
                "{law:?}: {beyond} vs {exact}"
            );
        }
    }

    #[test]
    fn refuses_meaningless_new_laws() {
        assert!(DurationDist::gamma(0.0, 10.0).is_err());
        assert!(DurationDist::erlang(0, 10).is_err());
        assert_eq!(
            DurationDist::empirical(vec![]).unwrap_err(),
            DistError::NoObservations
        );
        let one = || vec![DurationDist::fixed(1)];
        assert!(DurationDist::mixture(&[0.0], one()).is_err());
        assert!(DurationDist::mixture(&[1.0, 1.0], one()).is_err());
        assert!(DurationDist::mixture(&[], vec![]).is_err());
    }
}
