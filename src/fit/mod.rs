//! Laws fitted from field records: `iotwin fit`.
//!
//! A fleet's history (failures, units still running, repairs, carrier outages; see
//! [`records`]) becomes one sample of durations per population ([`sample`]): each fleet's
//! lifetimes and repairs, each carrier's outage lengths and times between outages. Each
//! candidate law ([`law`]) is fitted by maximum likelihood with right censoring and left
//! truncation ([`likelihood`], [`optimise`]), with 95% intervals from the observed
//! information, ranked by AIC (BIC alongside), and judged by its Kolmogorov–Smirnov distance
//! to the Kaplan–Meier estimate with a parametric-bootstrap p-value ([`gof`]). The results
//! are drawn on Weibull paper ([`plot`]), written as scenario snippets ([`snippet`]) and as a
//! Markdown and JSON summary ([`summary`]).
//!
//! Nothing here depends on the simulation model: a forecast takes the fitted [`law::Law`]s
//! (or their snippets) as its input.

pub mod gof;
pub mod law;
pub mod likelihood;
pub mod optimise;
pub mod plot;
pub mod records;
pub mod sample;
pub mod snippet;
pub mod summary;
pub mod synthetic;

use crate::engine::random::name_key;
use gof::GoodnessOfFit;
use law::Family;
use optimise::Estimate;
use sample::Sample;

/// How to fit.
#[derive(Clone, Debug)]
pub struct Options {
    /// The candidate laws.
    pub families: Vec<Family>,
    /// Parametric-bootstrap resamples per goodness-of-fit p-value (0: distance only).
    pub resamples: u32,
    /// Seed of the bootstrap's random streams.
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            families: Family::ALL.to_vec(),
            // 199 resamples put a p-value's resolution at 0.005 and its standard error near
            // 0.02 at p = 0.1, enough to tell a fit at the 5% level.
            resamples: 199,
            seed: 1,
        }
    }
}

/// One law fitted to one population.
#[derive(Clone, Debug)]
pub struct LawFit {
    pub estimate: Estimate,
    pub gof: GoodnessOfFit,
    /// AIC minus the best AIC of the population (0 for the best).
    pub delta_aic: f64,
    pub delta_bic: f64,
}

/// Every law fitted to one population, best (lowest AIC) first.
#[derive(Clone, Debug)]
pub struct PopulationFit {
    pub sample: Sample,
    pub fits: Vec<LawFit>,
    /// Laws that could not be fitted, and why.
    pub failed: Vec<(Family, String)>,
}

impl PopulationFit {
    /// The fit of `family`, if it succeeded.
    pub fn of(&self, family: Family) -> Option<&LawFit> {
        self.fits.iter().find(|f| f.estimate.law.family == family)
    }

    /// The family with the lowest BIC.
    pub fn best_by_bic(&self) -> Option<Family> {
        self.fits
            .iter()
            .min_by(|a, b| a.estimate.bic.total_cmp(&b.estimate.bic))
            .map(|f| f.estimate.law.family)
    }
}

/// Fits every candidate law to one sample.
pub fn fit_sample(sample: Sample, options: &Options) -> PopulationFit {
    let mut fits = vec![];
    let mut failed = vec![];
    let ended = sample.ended();
    let single_value = single_ended_value(&sample);
    for &family in &options.families {
        let needed = family.parameter_names().len();
        if ended < needed.max(2) {
            failed.push((
                family,
                format!(
                    "{ended} ended duration(s); at least {} needed",
                    needed.max(2)
                ),
            ));
            continue;
        }
        // Durations all alike (a log in whole seconds or minutes can do that) have no spread:
        // a law with a shape has no maximum of its likelihood (the shape runs off to infinity),
        // and its bootstrap refits such samples for minutes.
        if let (Some(value), true) = (single_value, needed >= 2) {
            failed.push((
                family,
                format!(
                    "all {ended} ended durations are {value} s: a law with a spread needs at least two different ones"
                ),
            ));
            continue;
        }
        match optimise::fit(family, &sample.observations) {
            Ok(estimate) => {
                let entity = name_key(
                    "fit",
                    &format!("{}/{}", sample.population.slug(), family.name()),
                );
                let gof = gof::goodness_of_fit(
                    &estimate.law,
                    &sample.observations,
                    options.resamples,
                    options.seed,
                    entity,
                );
                fits.push(LawFit {
                    estimate,
                    gof,
                    delta_aic: 0.0,
                    delta_bic: 0.0,
                });
            }
            Err(e) => failed.push((family, e.to_string())),
        }
    }
    fits.sort_by(|a, b| a.estimate.aic.total_cmp(&b.estimate.aic));
    let best_aic = fits.first().map_or(0.0, |f| f.estimate.aic);
    let best_bic = fits
        .iter()
        .map(|f| f.estimate.bic)
        .fold(f64::INFINITY, f64::min);
    for f in &mut fits {
        f.delta_aic = f.estimate.aic - best_aic;
        f.delta_bic = f.estimate.bic - best_bic;
    }
    PopulationFit {
        sample,
        fits,
        failed,
    }
}

/// The one value every ended duration of `sample` has, if they are all equal.
fn single_ended_value(sample: &Sample) -> Option<f64> {
    let mut ended = sample
        .observations
        .iter()
        .filter(|o| o.ended)
        .map(|o| o.time);
    let first = ended.next()?;
    ended.all(|t| t == first).then_some(first)
}

/// Fits every sample, in their order.
pub fn fit_samples(samples: Vec<Sample>, options: &Options) -> Vec<PopulationFit> {
    samples
        .into_iter()
        .map(|s| fit_sample(s, options))
        .collect()
}
