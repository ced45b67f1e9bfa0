//! Sensor degradation: a state between healthy and failed. A degraded device still reports, but
//! its readings are out of accuracy (all of them, or each with a probability) or some are lost
//! before they are sent. It stays degraded until its unit is renewed: repaired, replaced at its
//! planned age, or found by an inspection and replaced.
//!
//! The onset is one event per unit, drawn when the unit is put in service and kept in its
//! [`Clocks`](super::lifecycle::Clocks): for a drifting sensor, the first passage of its bias
//! (a Wiener process with drift) through the accuracy threshold, sampled exactly from the
//! inverse Gaussian law rather than stepped.
//!
//! A reading's quality travels with the message as one bit ([`BAD`]) of its sequence number,
//! and through a packed arrival as its own event kind, so the count of bad deliveries is exact
//! and costs nothing for fleets that do not degrade.

use rand::RngExt;
use rand_distr::{Distribution, InverseGaussian};

use crate::engine::{Stream, Ticks};
use crate::scenario::{DegradationSpec, Effect, Onset};

use super::ledger::Downtime;

/// The bit of a message's sequence number that marks a reading taken while its sensor was out
/// of accuracy; sequence numbers use the 31 bits below it.
pub const BAD: u32 = 1 << 31;

/// Time from a unit's start until its sensor degrades.
pub fn onset(spec: &DegradationSpec, rng: &mut Stream) -> Ticks {
    match &spec.onset {
        Onset::Law(law) => law.sample(rng),
        Onset::FirstPassage { mean, shape } => {
            let t = if shape.is_finite() {
                match InverseGaussian::new(*mean, *shape) {
                    Ok(ig) => ig.sample(rng),
                    // Checked at compile time; a deterministic drift if it ever slips through.
                    Err(_) => *mean,
                }
            } else {
                *mean
            };
            t.round().clamp(0.0, Ticks::MAX as f64 / 2.0) as Ticks
        }
    }
}

/// What becomes of one reading of a degraded sensor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reading {
    Good,
    Bad,
    /// Lost before it is sent.
    Dropped,
}

/// The fate of one reading of a degraded sensor with `effect`; draws (from the device's
/// traffic stream) only for the modes that need a draw.
#[inline]
pub fn reading(effect: Effect, rng: &mut Stream) -> Reading {
    match effect {
        Effect::AllWrong => Reading::Bad,
        Effect::Noise(p) => {
            if rng.random::<f64>() < p {
                Reading::Bad
            } else {
                Reading::Good
            }
        }
        Effect::Dropouts(p) => {
            if rng.random::<f64>() < p {
                Reading::Dropped
            } else {
                Reading::Good
            }
        }
    }
}

/// Counts of one replication's degradations and condition-based maintenance.
#[derive(Clone, Copy, Debug, Default)]
pub struct DegradationStats {
    /// Sensors that degraded (onsets).
    pub onsets: u64,
    /// Inspections done (one per fleet per inspection time).
    pub inspections: u64,
    /// Degraded devices an inspection found and replaced.
    pub condition_replacements: u64,
    /// Time-weighted count of degraded devices ("down" here means degraded).
    pub degraded: Downtime,
}

impl DegradationStats {
    /// Statistics of `[from, horizon)`: degraded time counts from `from` on (a warm-up's
    /// end, or 0), and the counts restart there ([`DegradationStats::restart`]).
    pub fn measured(from: Ticks, horizon: Ticks) -> Self {
        DegradationStats {
            degraded: Downtime::measured(from, horizon),
            ..DegradationStats::default()
        }
    }

    /// The warm-up ends: onsets, inspections and replacements count from now on. A sensor
    /// degraded across the instant stays degraded, and counts in the degraded time from it.
    pub fn restart(&mut self) {
        self.onsets = 0;
        self.inspections = 0;
        self.condition_replacements = 0;
    }

    /// Time-average share of `devices` that were degraded.
    pub fn degraded_share(&self, devices: u64) -> f64 {
        1.0 - self.degraded.availability(devices)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::random::StreamKey;

    fn rng() -> Stream {
        StreamKey {
            seed: 9,
            replication: 0,
            entity: 1,
            process: 2,
        }
        .stream()
    }

    #[test]
    fn a_drift_without_volatility_crosses_at_its_mean() {
        let spec = DegradationSpec {
            onset: Onset::FirstPassage {
                mean: 1000.0,
                shape: f64::INFINITY,
            },
            effect: Effect::AllWrong,
            inspection: None,
        };
        assert_eq!(onset(&spec, &mut rng()), 1000);
    }

    #[test]
    fn first_passage_times_average_their_mean() {
        let spec = DegradationSpec {
            onset: Onset::FirstPassage {
                mean: 1e6,
                shape: 2e6,
            },
            effect: Effect::AllWrong,
            inspection: None,
        };
        let mut r = rng();
        let n = 20_000;
        let m = (0..n).map(|_| onset(&spec, &mut r) as f64).sum::<f64>() / n as f64;
        // Variance mean³/shape = 5e11: standard error 5e3.
        assert!((m - 1e6).abs() < 2e4, "{m}");
    }

    #[test]
    fn readings_follow_the_effect() {
        let mut r = rng();
        assert_eq!(reading(Effect::AllWrong, &mut r), Reading::Bad);
        assert_eq!(reading(Effect::Noise(0.0), &mut r), Reading::Good);
        assert_eq!(reading(Effect::Dropouts(1.0), &mut r), Reading::Dropped);
    }
}
