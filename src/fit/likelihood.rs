//! The log-likelihood of a sample under a law, with censoring and truncation:
//!
//! ln L = Σ_ended ln f(tᵢ) + Σ_censored ln S(tᵢ) − Σ_truncated ln S(entryᵢ)
//!
//! A censored unit contributes the probability that it lasted at least as long as it was
//! watched; a unit that entered the log already `entry` old contributes its terms conditioned
//! on having survived to that age (it would not be in the log otherwise).

use super::law::Law;
use super::sample::Observation;

pub fn log_likelihood(law: &Law, observations: &[Observation]) -> f64 {
    observations
        .iter()
        .map(|o| {
            let seen = if o.ended {
                law.ln_pdf(o.time)
            } else {
                law.ln_sf(o.time)
            };
            seen - law.ln_sf(o.entry)
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::law::Family;

    fn obs(time: f64, ended: bool, entry: f64) -> Observation {
        Observation {
            time,
            ended,
            entry,
            limit: f64::INFINITY,
        }
    }

    #[test]
    fn exponential_terms_are_the_textbook_ones() {
        // Memoryless: a unit watched from age 2 to 5 counts like a new one watched 3.
        let law = Law::new(Family::Exponential, vec![4.0]);
        let truncated = log_likelihood(&law, &[obs(5.0, true, 2.0)]);
        let fresh = log_likelihood(&law, &[obs(3.0, true, 0.0)]);
        assert!((truncated - fresh).abs() < 1e-12);
        let censored = log_likelihood(&law, &[obs(3.0, false, 0.0)]);
        assert!((censored - (-3.0 / 4.0)).abs() < 1e-12);
    }

    #[test]
    fn truncation_removes_the_survival_to_entry() {
        let law = Law::new(Family::Weibull, vec![2.0, 10.0]);
        let with = log_likelihood(&law, &[obs(8.0, true, 5.0)]);
        let without = log_likelihood(&law, &[obs(8.0, true, 0.0)]);
        assert!((with - without - (5.0f64 / 10.0).powi(2)).abs() < 1e-12);
    }
}
