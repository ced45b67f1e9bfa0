//! The four candidate laws of a duration and their likelihood terms.
//!
//! Every parameter of every law is positive (an exponential mean, a Weibull shape and scale, a
//! log-normal median and sigma, a gamma shape and scale), so the optimiser works on their
//! logarithms: the search is unconstrained, and the observed information on that scale gives
//! intervals that stay positive and are closer to symmetric than on the natural scale.

use rand::{Rng, RngExt};
use statrs::distribution::{Continuous, ContinuousCDF, Gamma, Normal};
use statrs::function::gamma::{gamma_lr, gamma_ur, ln_gamma};

/// A family of laws the fit can choose from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Exponential,
    Weibull,
    #[serde(rename = "lognormal")]
    LogNormal,
    Gamma,
}

impl Family {
    pub const ALL: [Family; 4] = [
        Family::Exponential,
        Family::Weibull,
        Family::LogNormal,
        Family::Gamma,
    ];

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Family::Exponential => "exponential",
            Family::Weibull => "weibull",
            Family::LogNormal => "lognormal",
            Family::Gamma => "gamma",
        }
    }

    /// Reads a name written on the command line, ignoring case.
    pub fn parse(name: &str) -> Option<Family> {
        let name = name.trim().to_ascii_lowercase();
        Family::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The names of the parameters, in the order of [`Law::params`]; times are in seconds.
    pub fn parameter_names(self) -> &'static [&'static str] {
        match self {
            Family::Exponential => &["mean"],
            Family::Weibull => &["shape", "scale"],
            Family::LogNormal => &["median", "sigma"],
            Family::Gamma => &["shape", "scale"],
        }
    }

    /// Whether each parameter is a time (scaled with the data) or a pure number.
    pub fn is_time(self, index: usize) -> bool {
        matches!(
            (self, index),
            (Family::Exponential, 0)
                | (Family::Weibull, 1)
                | (Family::LogNormal, 0)
                | (Family::Gamma, 1)
        )
    }
}

/// A law of one family with its parameters (natural scale, times in the data's unit).
#[derive(Clone, Debug, PartialEq)]
pub struct Law {
    pub family: Family,
    pub params: Vec<f64>,
}

/// ln(2π) / 2.
const HALF_LN_TWO_PI: f64 = 0.918_938_533_204_672_8;

impl Law {
    pub fn new(family: Family, params: Vec<f64>) -> Law {
        debug_assert_eq!(params.len(), family.parameter_names().len());
        Law { family, params }
    }

    /// The law whose parameters are the exponentials of `log_params`.
    pub fn from_log(family: Family, log_params: &[f64]) -> Law {
        Law::new(family, log_params.iter().map(|p| p.exp()).collect())
    }

    /// The same law with every time multiplied by `factor` (a change of unit).
    pub fn rescaled(&self, factor: f64) -> Law {
        let params = self
            .params
            .iter()
            .enumerate()
            .map(|(i, &p)| {
                if self.family.is_time(i) {
                    p * factor
                } else {
                    p
                }
            })
            .collect();
        Law::new(self.family, params)
    }

    /// ln f(t), the log density at `t > 0`.
    pub fn ln_pdf(&self, t: f64) -> f64 {
        let p = &self.params;
        match self.family {
            Family::Exponential => -p[0].ln() - t / p[0],
            Family::Weibull => {
                let (k, lambda) = (p[0], p[1]);
                let z = t / lambda;
                k.ln() - lambda.ln() + (k - 1.0) * z.ln() - z.powf(k)
            }
            Family::LogNormal => {
                let (median, sigma) = (p[0], p[1]);
                let z = (t / median).ln() / sigma;
                -t.ln() - sigma.ln() - HALF_LN_TWO_PI - 0.5 * z * z
            }
            Family::Gamma => {
                let (k, theta) = (p[0], p[1]);
                (k - 1.0) * t.ln() - t / theta - ln_gamma(k) - k * theta.ln()
            }
        }
    }

    /// ln S(t), the log probability of lasting beyond `t`; 0 for `t <= 0`. Exact far in the
    /// tail, where S itself would underflow (a long-censored unit under a poor trial law).
    pub fn ln_sf(&self, t: f64) -> f64 {
        if t <= 0.0 {
            return 0.0;
        }
        let p = &self.params;
        match self.family {
            Family::Exponential => -t / p[0],
            Family::Weibull => -(t / p[1]).powf(p[0]),
            Family::LogNormal => {
                let z = (t / p[0]).ln() / p[1];
                ln_normal_sf(z)
            }
            Family::Gamma => {
                let (k, theta) = (p[0], p[1]);
                let x = t / theta;
                let s = gamma_ur(k, x);
                if s > 1e-300 {
                    s.ln()
                } else {
                    // Far tail: Γ(k, x) ≈ x^(k-1) e^-x (1 + (k-1)/x), divided by Γ(k).
                    (k - 1.0) * x.ln() - x - ln_gamma(k) + ((k - 1.0) / x).ln_1p()
                }
            }
        }
    }

    /// F(t), the probability of ending by `t`.
    pub fn cdf(&self, t: f64) -> f64 {
        if t <= 0.0 {
            return 0.0;
        }
        match self.family {
            // The lower incomplete gamma directly: 1 - S loses digits when S is near 1.
            Family::Gamma => gamma_lr(self.params[0], t / self.params[1]),
            _ => -self.ln_sf(t).exp_m1(),
        }
    }

    /// The time by which a share `q` (in (0, 1)) has ended.
    pub fn quantile(&self, q: f64) -> f64 {
        let p = &self.params;
        match self.family {
            Family::Exponential => -p[0] * (-q).ln_1p(),
            Family::Weibull => p[1] * (-(-q).ln_1p()).powf(1.0 / p[0]),
            Family::LogNormal => p[0] * (p[1] * Normal::standard().inverse_cdf(q)).exp(),
            Family::Gamma => match Gamma::new(p[0], 1.0 / p[1]) {
                Ok(g) => g.inverse_cdf(q),
                Err(_) => f64::NAN,
            },
        }
    }

    /// A draw conditioned on lasting beyond `entry` (a unit already `entry` old when watching
    /// began): inverse transform of F on (F(entry), 1).
    pub fn sample_beyond<R: Rng + ?Sized>(&self, entry: f64, rng: &mut R) -> f64 {
        let u: f64 = rng.random::<f64>();
        let low = self.cdf(entry);
        let q = (low + u * (1.0 - low)).clamp(f64::MIN_POSITIVE, 1.0 - f64::EPSILON / 2.0);
        self.quantile(q).max(entry)
    }

    /// The mean of the law, in the data's unit.
    pub fn mean(&self) -> f64 {
        let p = &self.params;
        match self.family {
            Family::Exponential => p[0],
            Family::Weibull => p[1] * statrs::function::gamma::gamma(1.0 + 1.0 / p[0]),
            Family::LogNormal => p[0] * (0.5 * p[1] * p[1]).exp(),
            Family::Gamma => p[0] * p[1],
        }
    }
}

/// ln P(Z > z) for a standard normal Z, without underflow for large z.
fn ln_normal_sf(z: f64) -> f64 {
    let normal = Normal::standard();
    let s = normal.sf(z);
    if s > 1e-300 {
        s.ln()
    } else {
        // Mills ratio: P(Z > z) ≈ φ(z)/z · (1 - 1/z² + 3/z⁴).
        normal.ln_pdf(z) - z.ln() + (-1.0 / (z * z) + 3.0 / z.powi(4)).ln_1p()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::distribution::{LogNormal, Weibull};

    #[test]
    fn densities_and_survival_agree_with_statrs() {
        let cases = [
            (Law::new(Family::Weibull, vec![1.7, 3.0]), 2.2),
            (Law::new(Family::LogNormal, vec![2.0, 0.6]), 3.1),
            (Law::new(Family::Gamma, vec![2.5, 1.5]), 4.0),
            (Law::new(Family::Exponential, vec![2.0]), 1.3),
        ];
        for (law, t) in cases {
            let p = &law.params;
            let (pdf, sf) = match law.family {
                Family::Weibull => {
                    let d = Weibull::new(p[0], p[1]).unwrap();
                    (d.pdf(t), d.sf(t))
                }
                Family::LogNormal => {
                    let d = LogNormal::new(p[0].ln(), p[1]).unwrap();
                    (d.pdf(t), d.sf(t))
                }
                Family::Gamma => {
                    let d = Gamma::new(p[0], 1.0 / p[1]).unwrap();
                    (d.pdf(t), d.sf(t))
                }
                Family::Exponential => ((-t / p[0]).exp() / p[0], (-t / p[0]).exp()),
            };
            assert!((law.ln_pdf(t) - pdf.ln()).abs() < 1e-10, "{law:?}");
            assert!((law.ln_sf(t) - sf.ln()).abs() < 1e-10, "{law:?}");
            assert!((law.cdf(t) - (1.0 - sf)).abs() < 1e-10, "{law:?}");
            let q = law.quantile(0.3);
            assert!((law.cdf(q) - 0.3).abs() < 1e-7, "{law:?} quantile");
        }
    }

    #[test]
    fn the_far_tail_stays_finite_and_falls() {
        for law in [
            Law::new(Family::LogNormal, vec![1.0, 0.2]),
            Law::new(Family::Gamma, vec![2.0, 1.0]),
        ] {
            let (a, b) = (law.ln_sf(1e3), law.ln_sf(2e3));
            assert!(a.is_finite() && b.is_finite() && b < a, "{law:?}: {a} {b}");
        }
    }

    #[test]
    fn a_conditional_draw_is_beyond_its_entry() {
        let law = Law::new(Family::Weibull, vec![2.0, 1.0]);
        let mut rng = crate::engine::StreamKey {
            seed: 1,
            replication: 0,
            entity: 0,
            process: 0,
        }
        .stream();
        assert!((0..1000).all(|_| law.sample_beyond(1.5, &mut rng) >= 1.5));
    }
}
