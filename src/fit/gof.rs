//! Goodness of fit under censoring: the Kolmogorov–Smirnov distance between the fitted law and
//! the Kaplan–Meier estimate, with a p-value by parametric bootstrap.
//!
//! The classical KS tables assume complete data and a law fixed in advance; with censoring,
//! truncation and estimated parameters the distance's null distribution depends on all three.
//! A parametric bootstrap draws it instead: each resample keeps every unit's own entry age and
//! censoring limit, draws its duration from the fitted law (conditioned on lasting beyond its
//! entry), refits the law, and measures the distance again. The p-value is the share of
//! resamples at least as far from their fit as the data are from theirs. Draws are keyed by
//! (seed, population, law, resample) so the p-value is the same whatever the thread count.

use rayon::prelude::*;

use super::law::Law;
use super::optimise::fit_from;
use super::sample::Observation;
use crate::engine::StreamKey;

/// One step of the Kaplan–Meier estimate: at `time`, the probability of lasting beyond it
/// falls from `before` to `after`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Step {
    pub time: f64,
    pub before: f64,
    pub after: f64,
}

/// The Kaplan–Meier (product-limit) estimate of the survival function, with left truncation:
/// the units at risk at `t` are those that entered before `t` and had not ended or been
/// censored before it. It estimates survival conditioned on lasting to the earliest entry.
pub fn kaplan_meier(observations: &[Observation]) -> Vec<Step> {
    let mut ends: Vec<f64> = observations
        .iter()
        .filter(|o| o.ended)
        .map(|o| o.time)
        .collect();
    ends.sort_by(f64::total_cmp);
    ends.dedup();
    let mut entries: Vec<f64> = observations.iter().map(|o| o.entry).collect();
    entries.sort_by(f64::total_cmp);
    let mut exits: Vec<f64> = observations.iter().map(|o| o.time).collect();
    exits.sort_by(f64::total_cmp);
    let mut ended_at: Vec<f64> = observations
        .iter()
        .filter(|o| o.ended)
        .map(|o| o.time)
        .collect();
    ended_at.sort_by(f64::total_cmp);
    let count_below = |sorted: &[f64], t: f64| sorted.partition_point(|&x| x < t);
    let count_at_most = |sorted: &[f64], t: f64| sorted.partition_point(|&x| x <= t);
    let mut survival = 1.0;
    let mut steps = Vec::with_capacity(ends.len());
    for t in ends {
        // At risk: entered before t, still there at t.
        let at_risk = count_below(&entries, t) - count_below(&exits, t);
        let deaths = count_at_most(&ended_at, t) - count_below(&ended_at, t);
        if at_risk == 0 {
            continue;
        }
        let after = survival * (1.0 - deaths as f64 / at_risk as f64);
        steps.push(Step {
            time: t,
            before: survival,
            after,
        });
        survival = after;
    }
    steps
}

/// The fitted law's probability of ending by `t`, conditioned like the Kaplan–Meier estimate
/// on lasting to the earliest entry.
pub fn conditional_cdf(law: &Law, first_entry: f64, t: f64) -> f64 {
    let s0 = law.ln_sf(first_entry);
    -(law.ln_sf(t) - s0).exp_m1()
}

/// The largest vertical distance between the fitted CDF and the Kaplan–Meier CDF, on both
/// sides of each step.
pub fn ks_distance(law: &Law, observations: &[Observation]) -> f64 {
    let first_entry = observations
        .iter()
        .map(|o| o.entry)
        .fold(f64::INFINITY, f64::min);
    kaplan_meier(observations)
        .iter()
        .map(|s| {
            let f = conditional_cdf(law, first_entry, s.time);
            (f - (1.0 - s.before))
                .abs()
                .max((f - (1.0 - s.after)).abs())
        })
        .fold(0.0, f64::max)
}

/// The distance and its bootstrap p-value.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct GoodnessOfFit {
    pub ks_distance: f64,
    /// `None` when no resample was asked for.
    pub p_value: Option<f64>,
    pub resamples: u32,
}

/// Measures how far `law` (fitted to `observations`) is from them, with `resamples` parametric
/// bootstrap resamples drawn from streams keyed by `seed` and `entity` (the population and
/// law). Resamples whose refit fails (every draw censored) count as at least as far.
pub fn goodness_of_fit(
    law: &Law,
    observations: &[Observation],
    resamples: u32,
    seed: u64,
    entity: u64,
) -> GoodnessOfFit {
    let distance = ks_distance(law, observations);
    if resamples == 0 {
        return GoodnessOfFit {
            ks_distance: distance,
            p_value: None,
            resamples,
        };
    }
    let as_far: u32 = (0..resamples)
        .into_par_iter()
        .map(|r| {
            let mut rng = StreamKey {
                seed,
                replication: r as u64,
                entity,
                process: 0x6f66, // "gof"
            }
            .stream();
            let resample: Vec<Observation> = observations
                .iter()
                .map(|o| {
                    let draw = law.sample_beyond(o.entry, &mut rng);
                    Observation {
                        time: draw.min(o.limit),
                        ended: draw <= o.limit,
                        ..*o
                    }
                })
                .collect();
            match fit_from(law.family, &resample, Some(law)) {
                Ok(refit) => u32::from(ks_distance(&refit.law, &resample) >= distance),
                Err(_) => 1,
            }
        })
        .sum();
    GoodnessOfFit {
        ks_distance: distance,
        p_value: Some((1.0 + as_far as f64) / (1.0 + resamples as f64)),
        resamples,
    }
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
    fn kaplan_meier_matches_a_hand_computation() {
        // Times 1, 2+, 3, 3, 4+: S(1) = 4/5, S(3) = 4/5 · (1 − 2/3) = 4/15.
        let data = [
            obs(1.0, true, 0.0),
            obs(2.0, false, 0.0),
            obs(3.0, true, 0.0),
            obs(3.0, true, 0.0),
            obs(4.0, false, 0.0),
        ];
        let km = kaplan_meier(&data);
        assert_eq!(km.len(), 2);
        assert!((km[0].after - 0.8).abs() < 1e-12);
        assert!((km[1].after - 4.0 / 15.0).abs() < 1e-12);
    }

    #[test]
    fn a_late_entrant_is_not_at_risk_before_it_entered() {
        // The unit entering at 5 is not at risk at 1: S(1) = 1/2, not 2/3.
        let data = [
            obs(1.0, true, 0.0),
            obs(2.0, true, 0.0),
            obs(6.0, true, 5.0),
        ];
        let km = kaplan_meier(&data);
        assert!((km[0].after - 0.5).abs() < 1e-12);
    }

    #[test]
    fn the_right_law_fits_and_a_wrong_one_is_rejected() {
        let truth = Law::new(Family::Weibull, vec![3.0, 10.0]);
        let mut rng = StreamKey {
            seed: 7,
            replication: 0,
            entity: 0,
            process: 0,
        }
        .stream();
        let data: Vec<Observation> = (0..300)
            .map(|_| {
                let t = truth.sample_beyond(0.0, &mut rng);
                Observation {
                    time: t.min(12.0),
                    ended: t <= 12.0,
                    entry: 0.0,
                    limit: 12.0,
                }
            })
            .collect();
        let right = fit_from(Family::Weibull, &data, None).unwrap();
        let wrong = fit_from(Family::Exponential, &data, None).unwrap();
        let good = goodness_of_fit(&right.law, &data, 99, 1, 1);
        let bad = goodness_of_fit(&wrong.law, &data, 99, 1, 2);
        assert!(good.p_value.unwrap() > 0.05, "{good:?}");
        assert!(bad.p_value.unwrap() < 0.05, "{bad:?}");
        let one_thread = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let alone = one_thread.install(|| goodness_of_fit(&right.law, &data, 99, 1, 1));
        assert_eq!(good, alone, "the same p-value whatever the thread count");
    }
}
