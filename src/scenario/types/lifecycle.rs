//! A device's life beyond plain failure and repair: power and batteries, planned
//! replacement, certificates, sensor degradation and inspection, standby spares.

use serde::{Deserialize, Serialize};

use super::super::values::{Amount, Battery, Dist, Positive, Probability};
use super::network::certain;
use crate::engine::Duration;

/// How a spare waits while another unit carries the load: the rate it ages at while idle,
/// as a share of the rate it ages at in service (an accelerated-life view: a non-exponential
/// law's age advances at that rate, so its hazard follows).
#[derive(Clone, Copy, Debug, Default, PartialEq, Deserialize, Serialize)]
pub enum StandbyKind {
    /// Powered and ageing as if it worked: a parallel unit that carries no load.
    #[default]
    Hot,
    /// Partly powered: ages at this factor of the in-service rate, above 0 and below 1
    /// (e.g. 0.2: a fifth as fast).
    Warm(f64),
    /// Unpowered on the shelf: does not age until it takes over.
    Cold,
}

/// A device's standby spares: `Standby(spares: 1, kind: Cold, coverage: 0.98, switch: "10m")`.
/// When the unit in service fails, a spare on the shelf takes over if the switch works
/// (probability `coverage`), after `switch` during which the device is down; the failed unit
/// is repaired meanwhile and comes back to the shelf.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Standby {
    /// Spare units kept beside each device, at least 1.
    pub spares: u32,
    /// How a spare on the shelf ages. Default: `Cold` (a spare on the shelf, unpowered).
    #[serde(default = "cold")]
    pub kind: StandbyKind,
    /// The chance the switch to a spare works; an uncovered switch leaves the device down
    /// until a unit comes back from repair. Default: 1.
    #[serde(default = "certain")]
    pub coverage: Probability,
    /// How long the device is down while a spare is put in service: a duration (`"10m"`)
    /// or a law (`Exponential(mean: "10m")`). Default: 0.
    #[serde(default)]
    pub switch: Option<DurationOrLaw>,
}

/// A time written as a plain duration (`"10m"`: always that long) or as a law of durations
/// (`Exponential(mean: "10m")`), for a field that took a fixed duration before it took a law,
/// so that files written then still read the same.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum DurationOrLaw {
    Plain(Duration),
    Law(Dist),
}

impl DurationOrLaw {
    /// The law it stands for: a plain duration is `Fixed`.
    pub fn law(&self) -> Dist {
        match self {
            DurationOrLaw::Plain(d) => Dist::Fixed(*d),
            DurationOrLaw::Law(l) => l.clone(),
        }
    }
}

impl<'de> Deserialize<'de> for DurationOrLaw {
    /// Either form; anything else is refused with both forms named (an untagged enum alone
    /// would say only that nothing matched).
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Plain(Duration),
            Law(Dist),
        }
        match Either::deserialize(d) {
            Ok(Either::Plain(t)) => Ok(DurationOrLaw::Plain(t)),
            Ok(Either::Law(l)) => Ok(DurationOrLaw::Law(l)),
            Err(_) => Err(serde::de::Error::custom(
                "expected a duration such as \"10m\" or a law of durations such as \
                 Exponential(mean: \"10m\") or LogNormal(median: \"10m\", sigma: 0.5)",
            )),
        }
    }
}

fn cold() -> StandbyKind {
    StandbyKind::Cold
}

impl StandbyKind {
    /// The idle ageing rate as a share of the in-service rate.
    pub fn idle_rate(self) -> f64 {
        match self {
            StandbyKind::Hot => 1.0,
            StandbyKind::Warm(f) => f,
            StandbyKind::Cold => 0.0,
        }
    }
}

/// Sensor degradation, a state between healthy and failed, and how it is found:
/// `Degradation(mode: Drift(rate_per_day: 0.01, volatility_per_sqrt_day: 0.02, threshold: 0.5),
/// inspection: Inspection(every: "90d", detection: 0.9))`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Degradation {
    pub mode: DegradationMode,
    /// Condition-based maintenance: every device is inspected every `every` (all of the fleet
    /// at once, first at `every`); a degraded one is found with probability `detection` and
    /// replaced on the spot by a new unit. Default: none (run to failure).
    #[serde(default)]
    pub inspection: Option<Inspection>,
}

/// How a sensor degrades.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub enum DegradationMode {
    /// The bias is a Wiener process with drift `rate_per_day` (accuracy units per day) and
    /// volatility `volatility_per_sqrt_day`; the sensor is degraded from the first time the
    /// bias reaches `threshold` (an inverse Gaussian time with mean threshold / rate). Every
    /// reading after that is out of accuracy.
    Drift {
        rate_per_day: Positive,
        #[serde(default)]
        volatility_per_sqrt_day: Amount,
        threshold: Positive,
    },
    /// From `onset` (a draw per unit), each reading is out of accuracy with probability
    /// `bad_share`.
    Noise { onset: Dist, bad_share: Probability },
    /// From `onset`, the sensor repeats its last value: every reading is out of accuracy.
    Stuck { onset: Dist },
    /// From `onset`, a share `share` of the readings is lost before it is sent
    /// (`lost_sensor_dropout`).
    Dropouts { onset: Dist, share: Probability },
}

/// Periodic inspection of a fleet: `Inspection(every: "90d", detection: 0.9)`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Inspection {
    pub every: Duration,
    pub detection: Probability,
}

/// How a fleet's devices are powered.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub enum Power {
    Mains,
    Battery(Battery),
}

/// A device certificate: valid for `validity`, renewed `renew_before` its expiry (each attempt
/// succeeds with `renewal_success`, failed ones retried every `retry_every` until it expires).
/// An expired certificate means the device cannot authenticate: its readings are lost
/// (`auth_expired`) until it is re-provisioned, a draw of `fix` later.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Certificate {
    pub validity: Duration,
    /// How long before expiry rotation starts; absent: certificates are never rotated.
    #[serde(default)]
    pub renew_before: Option<Duration>,
    #[serde(default = "certain")]
    pub renewal_success: Probability,
    #[serde(default = "daily")]
    pub retry_every: Duration,
    pub fix: Dist,
    /// When each device's current certificate expires; default: `validity` after the start
    /// (all issued together, the classic fleet-wide expiry).
    #[serde(default)]
    pub first_expiry: Option<Dist>,
}

fn daily() -> Duration {
    Duration::from_secs(86_400)
}

/// Planned replacement at a given age: `Replace(at_age: "8y", downtime: Fixed("1h"))`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Replace {
    pub at_age: Duration,
    /// How long a planned replacement keeps the device down; default none.
    #[serde(default)]
    pub downtime: Option<Dist>,
}
