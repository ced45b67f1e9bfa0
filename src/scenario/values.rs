//! The values a scenario is built from, checked as they are read: probabilities, positive
//! numbers, counts, shares, amounts, distributions of durations, failure laws, bursty loss and
//! batteries.
//!
//! A leaf of the scenario format: the file types (`types`), the link catalogue (`catalog`) and
//! the device classes (`devices`) all use these, and this module uses none of them.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, de};

use crate::engine::Duration;

/// Bursty loss, per message: `GilbertElliott(enter: 0.01, leave: 0.2, loss: 0.5)` switches to
/// the bad state with probability `enter` before a message, back with `leave`, and loses a
/// message in the bad state with probability `loss`. Mean burst: 1 / leave messages.
#[derive(Clone, Copy, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GilbertElliott {
    pub enter: Probability,
    pub leave: Probability,
    pub loss: Probability,
}

/// A battery and what draws on it. Average current = sleep + active × active_s / period +
/// radio charge per message / period + self-discharge; life = capacity / average current.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Battery {
    pub capacity_mah: Positive,
    pub voltage: Positive,
    /// Current while asleep, µA.
    #[serde(default)]
    pub sleep_ua: Amount,
    /// Current while awake to measure and prepare a report, mA, for `active_s` seconds per report.
    #[serde(default)]
    pub active_ma: Amount,
    #[serde(default)]
    pub active_s: Amount,
    /// Radio energy of one message, mJ; default: the access link technology's figure
    /// (`iotwin catalog`).
    #[serde(default)]
    pub radio_mj_per_message: Option<Amount>,
    /// Share of the capacity lost per year at rest (0.01 = 1% a year).
    #[serde(default)]
    pub self_discharge_per_year: Amount,
    /// Relative standard deviation of usable capacity between cells (0.05 = 5%).
    #[serde(default)]
    pub spread: Amount,
    /// Time from depletion until the battery is swapped or recharged; `None` never: a dead
    /// battery is a dead device.
    #[serde(default)]
    pub swap: Option<Dist>,
}

/// A repairable unit: it works for a draw of `lifetime`, is down for a draw of `repair`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Failure {
    pub lifetime: Dist,
    pub repair: Dist,
    /// How the process starts: `New` (every unit new and up at 0) or `Equilibrium` (already in
    /// steady state: down with probability MTTR/(MTTF+MTTR), and the time to the next change
    /// drawn from the equilibrium, forward-recurrence, law).
    #[serde(default)]
    pub start: Start,
}

/// The state a renewal process starts in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub enum Start {
    #[default]
    New,
    Equilibrium,
}

/// A distribution of durations, written with duration strings.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum Dist {
    /// Always the same value: `Fixed("60s")`.
    Fixed(Duration),
    /// Memoryless: `Exponential(mean: "1y")`.
    Exponential { mean: Duration },
    /// `Weibull(shape: 1.5, scale: "10y")`: shape < 1 infant mortality, > 1 wear-out.
    Weibull { shape: Positive, scale: Duration },
    /// `LogNormal(median: "4h", sigma: 0.8)`: sigma is the standard deviation of the log.
    LogNormal { median: Duration, sigma: Positive },
    /// `Uniform(min: "1h", max: "3h")`.
    Uniform { min: Duration, max: Duration },
    /// A period plus a random delay: `Jitter(period: "60s", jitter: Exponential(mean: "2s"))`.
    Jitter { period: Duration, jitter: Box<Dist> },
    /// Competing risks: whichever of several independent laws strikes first,
    /// `First([Weibull(shape: 0.5, scale: "200y"), Weibull(shape: 4, scale: "12y")])`.
    First(Vec<Dist>),
    /// The bathtub curve as three competing risks: early failures (a Weibull with shape < 1),
    /// random ones (exponential) and wear-out (a Weibull with shape > 1).
    Bathtub {
        infant: Box<Dist>,
        random: Box<Dist>,
        wearout: Box<Dist>,
    },
    /// The gamma law by its shape and either its scale or its mean (mean = shape × scale):
    /// `Gamma(shape: 2.5, scale: "3h")`, `Gamma(shape: 2.5, mean: "7.5h")`.
    Gamma {
        shape: Positive,
        #[serde(default)]
        scale: Option<Duration>,
        #[serde(default)]
        mean: Option<Duration>,
    },
    /// `k` exponential phases in a row, `mean` in all: `Erlang(k: 2, mean: "4h")`.
    Erlang { k: Count, mean: Duration },
    /// Observed durations drawn with equal probability, written out
    /// (`Empirical(durations: ["2h", "3h", "7h"])`) or read from a CSV file with a `duration`
    /// column, its path relative to the scenario (`Empirical(file: "repairs.csv")`).
    Empirical {
        #[serde(default)]
        durations: Option<Vec<Duration>>,
        #[serde(default)]
        file: Option<String>,
    },
    /// Law i with probability weights\[i\] / Σ weights:
    /// `Mixture(weights: [0.9, 0.1], laws: [Exponential(mean: "2h"), Fixed("2d")])`.
    Mixture {
        weights: Vec<Positive>,
        laws: Vec<Dist>,
    },
}

/// A probability in [0, 1].
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Probability(pub f64);

/// A whole number of at least one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Count(pub u32);

/// A share of a population in (0, 1]: a share of 0 would hold from the start.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Share(pub f64);

/// A positive, finite number (a rate, a shape).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Positive(pub f64);

/// A finite number of at least 0: a price, a number of hours, a rate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Amount(pub f64);

/// Reads any number as f64, saying what kind of value it found otherwise.
fn number<'de, D: Deserializer<'de>>(d: D, expecting: &'static str) -> Result<f64, D::Error> {
    struct Visitor(&'static str);
    impl de::Visitor<'_> for Visitor {
        type Value = f64;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str(self.0)
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
            Ok(v)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
            Ok(v as f64)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
            Ok(v as f64)
        }
    }
    d.deserialize_any(Visitor(expecting))
}

impl<'de> Deserialize<'de> for Probability {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let p = number(d, "a probability between 0 and 1, e.g. 0.01 for 1%")?;
        if (0.0..=1.0).contains(&p) {
            Ok(Probability(p))
        } else {
            Err(de::Error::custom(format!(
                "expected a probability between 0 and 1, found {p}"
            )))
        }
    }
}

impl<'de> Deserialize<'de> for Positive {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let x = number(d, "a positive number")?;
        if x.is_finite() && x > 0.0 {
            Ok(Positive(x))
        } else {
            Err(de::Error::custom(format!(
                "expected a positive number, found {x}"
            )))
        }
    }
}

impl<'de> Deserialize<'de> for Share {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let x = number(d, "a share above 0 and at most 1, e.g. 0.5 for half")?;
        if x > 0.0 && x <= 1.0 {
            Ok(Share(x))
        } else {
            Err(de::Error::custom(format!(
                "expected a share above 0 and at most 1, found {x}"
            )))
        }
    }
}

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let x = number(d, "a whole number of at least 1")?;
        if x.fract() == 0.0 && (1.0..=u32::MAX as f64).contains(&x) {
            Ok(Count(x as u32))
        } else {
            Err(de::Error::custom(format!(
                "expected a whole number of at least 1, found {x}"
            )))
        }
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let x = number(d, "a number of at least 0, e.g. a price")?;
        if x.is_finite() && x >= 0.0 {
            Ok(Amount(x))
        } else {
            Err(de::Error::custom(format!(
                "expected an amount of at least 0, found {x}"
            )))
        }
    }
}
