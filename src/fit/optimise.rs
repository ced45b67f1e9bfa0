//! Maximum likelihood: the optimum (closed form for the exponential, Nelder–Mead from `argmin`
//! for the others), and intervals from the observed information at it.
//!
//! The search runs on the logarithms of the parameters with the data divided by their mean
//! (so a lifetime of years and a repair of minutes look alike to the optimiser). The observed
//! information is the Hessian of −ln L on that log scale, by central differences; its inverse
//! is the covariance of the log parameters, and a 95% interval is exp(θ̂ ± 1.96·se): Wald
//! intervals on the log scale, which stay positive and are closer to their nominal coverage in
//! small samples than on the natural scale.

use argmin::core::{CostFunction, Error, Executor, State};
use argmin::solver::neldermead::NelderMead;

use super::law::{Family, Law};
use super::likelihood::log_likelihood;
use super::sample::Observation;

/// The 97.5% quantile of the standard normal: two-sided 95% intervals.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// A law fitted to a sample by maximum likelihood.
#[derive(Clone, Debug)]
pub struct Estimate {
    pub law: Law,
    pub log_likelihood: f64,
    /// 95% interval of each parameter, in the order of [`Law::params`]; `None` where the
    /// information matrix was not positive definite (a flat likelihood).
    pub intervals: Option<Vec<(f64, f64)>>,
    /// Standard errors of the log parameters.
    pub log_se: Option<Vec<f64>>,
    pub aic: f64,
    pub bic: f64,
}

/// Why a law could not be fitted.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum FitError {
    #[error("no unit ended (every one is censored): the likelihood has no maximum")]
    NothingEnded,
    #[error("the optimiser failed: {0}")]
    Optimiser(String),
}

/// The maximum-likelihood fit of `family` to `observations` (times in seconds).
pub fn fit(family: Family, observations: &[Observation]) -> Result<Estimate, FitError> {
    fit_from(family, observations, None)
}

/// As [`fit`], starting the search at `start` (a parametric bootstrap starts at the
/// estimate of the original data, which is near the optimum of every resample).
pub fn fit_from(
    family: Family,
    observations: &[Observation],
    start: Option<&Law>,
) -> Result<Estimate, FitError> {
    let ended = observations.iter().filter(|o| o.ended).count();
    if ended == 0 {
        return Err(FitError::NothingEnded);
    }
    let unit = observations.iter().map(|o| o.time).sum::<f64>() / observations.len() as f64;
    let scaled: Vec<Observation> = observations
        .iter()
        .map(|o| Observation {
            time: o.time / unit,
            entry: o.entry / unit,
            limit: o.limit / unit,
            ended: o.ended,
        })
        .collect();
    let theta = match family {
        Family::Exponential => {
            // Closed form: events over exposure (memoryless, so truncation only shortens it).
            let exposure: f64 = scaled.iter().map(|o| o.time - o.entry).sum();
            vec![(exposure / ended as f64).ln()]
        }
        _ => {
            let start = match start {
                Some(law) => law
                    .rescaled(1.0 / unit)
                    .params
                    .iter()
                    .map(|p| p.ln())
                    .collect(),
                None => starting_point(family, &scaled),
            };
            nelder_mead(family, &scaled, start)?
        }
    };
    let negative = |t: &[f64]| -log_likelihood(&Law::from_log(family, t), &scaled);
    let log_se = standard_errors(&negative, &theta);
    let law = Law::from_log(family, &theta).rescaled(unit);
    let intervals = log_se.as_ref().map(|se| {
        theta
            .iter()
            .zip(se)
            .enumerate()
            .map(|(i, (&t, &s))| {
                let factor = if family.is_time(i) { unit } else { 1.0 };
                ((t - Z_95 * s).exp() * factor, (t + Z_95 * s).exp() * factor)
            })
            .collect()
    });
    let log_likelihood = log_likelihood(&law, observations);
    let k = theta.len() as f64;
    let n = observations.len() as f64;
    Ok(Estimate {
        law,
        log_likelihood,
        intervals,
        log_se,
        aic: 2.0 * k - 2.0 * log_likelihood,
        bic: k * n.ln() - 2.0 * log_likelihood,
    })
}

/// A start near the optimum, from the ended durations (data already divided by their mean).
fn starting_point(family: Family, scaled: &[Observation]) -> Vec<f64> {
    let logs: Vec<f64> = scaled
        .iter()
        .filter(|o| o.ended)
        .map(|o| o.time.max(1e-12).ln())
        .collect();
    let mean = logs.iter().sum::<f64>() / logs.len() as f64;
    let var = logs.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / logs.len() as f64;
    let sd = var.sqrt().clamp(0.05, 5.0);
    let ended = logs.len() as f64;
    let exposure: f64 = scaled.iter().map(|o| o.time - o.entry).sum();
    let mean_life = (exposure / ended).ln();
    match family {
        Family::Exponential => vec![mean_life],
        // A Weibull's log has standard deviation π / (shape √6).
        Family::Weibull => vec![(1.282_549_830_161_864 / sd).ln(), mean_life],
        Family::LogNormal => vec![mean, sd.ln()],
        Family::Gamma => vec![0.0, mean_life],
    }
}

struct NegativeLogLikelihood<'a> {
    family: Family,
    observations: &'a [Observation],
}

impl CostFunction for NegativeLogLikelihood<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, theta: &Self::Param) -> Result<f64, Error> {
        // Parameters far outside any sensible range (e^±30) are walls, not errors.
        if theta.iter().any(|t| !t.is_finite() || t.abs() > 30.0) {
            return Ok(f64::MAX);
        }
        let value = -log_likelihood(&Law::from_log(self.family, theta), self.observations);
        Ok(if value.is_nan() {
            f64::MAX
        } else {
            value.min(f64::MAX)
        })
    }
}

/// Nelder–Mead from `start`, restarted once from its result with a smaller simplex (a simplex
/// that collapsed early is the method's known weakness).
fn nelder_mead(
    family: Family,
    observations: &[Observation],
    start: Vec<f64>,
) -> Result<Vec<f64>, FitError> {
    let mut best = start;
    for step in [0.3, 0.02] {
        let mut simplex = vec![best.clone()];
        for i in 0..best.len() {
            let mut vertex = best.clone();
            vertex[i] += step;
            simplex.push(vertex);
        }
        let solver = NelderMead::new(simplex)
            .with_sd_tolerance(1e-11)
            .map_err(|e| FitError::Optimiser(e.to_string()))?;
        let problem = NegativeLogLikelihood {
            family,
            observations,
        };
        let result = Executor::new(problem, solver)
            .configure(|state| state.max_iters(2000))
            .run()
            .map_err(|e| FitError::Optimiser(e.to_string()))?;
        best = result
            .state()
            .get_best_param()
            .cloned()
            .ok_or_else(|| FitError::Optimiser("no parameter evaluated".into()))?;
    }
    Ok(best)
}

/// Square roots of the diagonal of the inverse Hessian of `f` at `theta` (one or two
/// parameters), or `None` if the Hessian is not positive definite.
fn standard_errors(f: &dyn Fn(&[f64]) -> f64, theta: &[f64]) -> Option<Vec<f64>> {
    let h = 1e-4;
    let at = |shifts: &[(usize, f64)]| {
        let mut t = theta.to_vec();
        for &(i, d) in shifts {
            t[i] += d;
        }
        f(&t)
    };
    let f0 = f(theta);
    let second = |i: usize| (at(&[(i, h)]) - 2.0 * f0 + at(&[(i, -h)])) / (h * h);
    match theta.len() {
        1 => {
            let a = second(0);
            (a > 0.0).then(|| vec![(1.0 / a).sqrt()])
        }
        2 => {
            let (a, d) = (second(0), second(1));
            let b = (at(&[(0, h), (1, h)]) - at(&[(0, h), (1, -h)]) - at(&[(0, -h), (1, h)])
                + at(&[(0, -h), (1, -h)]))
                / (4.0 * h * h);
            let det = a * d - b * b;
            (a > 0.0 && det > 0.0).then(|| vec![(d / det).sqrt(), (a / det).sqrt()])
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete(times: &[f64]) -> Vec<Observation> {
        times
            .iter()
            .map(|&time| Observation {
                time,
                ended: true,
                entry: 0.0,
                limit: f64::INFINITY,
            })
            .collect()
    }

    #[test]
    fn the_exponential_mean_is_exposure_over_events() {
        let mut obs = complete(&[1.0, 2.0, 3.0]);
        obs.push(Observation {
            time: 4.0,
            ended: false,
            entry: 0.0,
            limit: 4.0,
        });
        let e = fit(Family::Exponential, &obs).unwrap();
        assert!((e.law.params[0] - 10.0 / 3.0).abs() < 1e-12);
        // se(ln mean) = 1/√events.
        assert!((e.log_se.unwrap()[0] - 1.0 / 3f64.sqrt()).abs() < 1e-5);
    }

    #[test]
    fn the_lognormal_optimum_of_complete_data_is_the_log_moments() {
        let times = [0.5, 1.2, 2.0, 3.3, 0.9, 7.0, 1.1, 2.5];
        let e = fit(Family::LogNormal, &complete(&times)).unwrap();
        let logs: Vec<f64> = times.iter().map(|t: &f64| t.ln()).collect();
        let mu = logs.iter().sum::<f64>() / 8.0;
        let sigma = (logs.iter().map(|l| (l - mu).powi(2)).sum::<f64>() / 8.0).sqrt();
        assert!(
            (e.law.params[0] - mu.exp()).abs() < 1e-6 * mu.exp(),
            "{:?}",
            e.law
        );
        assert!((e.law.params[1] - sigma).abs() < 1e-6, "{:?}", e.law);
        // The information of sigma in a complete normal sample: se(ln sigma) = 1/√(2n).
        assert!((e.log_se.unwrap()[1] - 1.0 / 16f64.sqrt()).abs() < 1e-3);
    }

    #[test]
    fn all_censored_is_refused() {
        let obs = [Observation {
            time: 1.0,
            ended: false,
            entry: 0.0,
            limit: 1.0,
        }];
        assert_eq!(
            fit(Family::Weibull, &obs).unwrap_err(),
            FitError::NothingEnded
        );
    }
}
