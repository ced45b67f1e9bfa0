//! A fleet's life between installation and retirement: failures (sped up by the environment),
//! batteries, age, planned replacement, cold spares and standby, sensor degradation,
//! certificates, and the dead share at which a fleet is stopped.

use crate::engine::{DurationDist, TICKS_PER_SECOND};

use super::super::catalog::{self, Tech};
use super::super::deployment::{
    BatterySpec, CertSpec, DegradationSpec, Effect, FailureSpec, InspectionSpec, LifeSpec, Onset,
    ReplaceSpec, SteadyStart,
};
use super::super::devices::{DevicePreset, Environment};
use super::super::error::ScenarioError;
use super::super::types::{
    Battery, Certificate, Degradation, DegradationMode, Fleet, Power, Start,
};
use super::{Ctx, MAX_COLD_SPARES};

/// A fleet's failures and life: its failure law (its class's if unwritten) sped up by its
/// environment, then battery, age, planned replacement, cold spares, degradation and standby;
/// an equilibrium start only where the fleet is a plain failure/repair process.
pub(super) fn lifecycle(
    cx: &Ctx<'_>,
    here: &str,
    f: &Fleet,
    class: Option<&DevicePreset>,
    environment: Environment,
    report: &DurationDist,
) -> Result<(Option<FailureSpec>, LifeSpec), ScenarioError> {
    let written_failure = f
        .failure
        .clone()
        .or(class.as_ref().map(|c| c.failure.clone()));
    let failure = cx
        .failure(&format!("{here}.failure"), &written_failure)?
        .map(|mut spec| {
            spec.lifetime = spec.lifetime.accelerated(environment.factor());
            spec
        });
    let power = f.power.clone().or(class
        .as_ref()
        .and_then(|c| c.battery.clone().map(Power::Battery)));
    let battery = match &power {
        Some(Power::Battery(b)) => {
            Some(cx.battery(&format!("{here}.power"), b, report, f.link.tech)?)
        }
        _ => None,
    };
    let life = LifeSpec {
        age: f
            .age
            .as_ref()
            .map(|a| cx.dist(&format!("{here}.age"), a))
            .transpose()?,
        replace: f
            .replace
            .as_ref()
            .map(|r| -> Result<ReplaceSpec, ScenarioError> {
                if r.at_age.ticks() == 0 {
                    return Err(cx.error(
                        &format!("{here}.replace.at_age"),
                        "replacement at age 0s".into(),
                        "replace devices at a real age, e.g. at_age: \"8y\"".into(),
                    ));
                }
                Ok(ReplaceSpec {
                    at_age: r.at_age.ticks(),
                    downtime: r
                        .downtime
                        .as_ref()
                        .map(|d| cx.dist(&format!("{here}.replace.downtime"), d))
                        .transpose()?,
                })
            })
            .transpose()?,
        battery,
        cold_spares: if f.cold_spares > MAX_COLD_SPARES {
            return Err(cx.error(
                &format!("{here}.cold_spares"),
                format!(
                    "{} cold spares per device is more than the {MAX_COLD_SPARES} a device may keep",
                    f.cold_spares
                ),
                "cold spares are units kept on the shelf beside each device, usually 0 to 2, e.g. `cold_spares: 1`".into(),
            ));
        } else {
            f.cold_spares
        },
        standby: None,
        environment_factor: environment.factor(),
        degradation: f
            .degradation
            .as_ref()
            .map(|d| cx.degradation(&format!("{here}.degradation"), d))
            .transpose()?,
    };
    let mut life = life;
    life.standby = cx.device_standby(here, f, &life, failure.is_some())?;
    let mut failure = failure;
    if let Some(spec) = &mut failure
        && written_failure
            .as_ref()
            .is_some_and(|w| w.start == Start::Equilibrium)
    {
        if life.has_clocks() || life.age.is_some() || life.cold_spares > 0 || life.standby.is_some()
        {
            return Err(cx.error(
                &format!("{here}.failure.start"),
                "an equilibrium start is for a plain failure/repair process".into(),
                "a fleet with an age, spares, a battery, planned replacement or \
                 degradation is not a stationary renewal process; remove `start: \
                 Equilibrium` or use a warmup"
                    .into(),
            ));
        }
        // After the environment factor: the steady state of the laws the fleet runs.
        spec.steady = Some(Box::new(SteadyStart::of(&spec.lifetime, &spec.repair)));
    }
    Ok((failure, life))
}

impl Ctx<'_> {
    /// A fleet's sensor degradation: the drift's first-passage law from its rate, volatility
    /// and threshold (per day, converted to ticks), or the onset law of the other modes.
    fn degradation(&self, field: &str, d: &Degradation) -> Result<DegradationSpec, ScenarioError> {
        const DAY: f64 = 86_400.0 * TICKS_PER_SECOND as f64;
        let (onset, effect) = match &d.mode {
            DegradationMode::Drift {
                rate_per_day,
                volatility_per_sqrt_day,
                threshold,
            } => {
                // First passage of a + μt + σW through a: IG(mean a/μ, shape a²/σ²), in days.
                let mean = threshold.0 / rate_per_day.0 * DAY;
                let sigma = volatility_per_sqrt_day.0;
                let shape = if sigma > 0.0 {
                    (threshold.0 / sigma).powi(2) * DAY
                } else {
                    f64::INFINITY
                };
                if !(mean.is_finite() && mean < 1e18 && (shape.is_infinite() || shape >= 1.0)) {
                    return Err(self.error(
                        &format!("{field}.mode"),
                        format!("drift reaching its threshold after a mean of {mean:e} ticks"),
                        "keep threshold / rate_per_day within a few thousand years, and the volatility below threshold × 1000".into(),
                    ));
                }
                (Onset::FirstPassage { mean, shape }, Effect::AllWrong)
            }
            DegradationMode::Noise { onset, bad_share } => (
                Onset::Law(self.dist(&format!("{field}.mode.onset"), onset)?),
                Effect::Noise(bad_share.0),
            ),
            DegradationMode::Stuck { onset } => (
                Onset::Law(self.dist(&format!("{field}.mode.onset"), onset)?),
                Effect::AllWrong,
            ),
            DegradationMode::Dropouts { onset, share } => (
                Onset::Law(self.dist(&format!("{field}.mode.onset"), onset)?),
                Effect::Dropouts(share.0),
            ),
        };
        let inspection = match &d.inspection {
            Some(i) if i.every.ticks() == 0 => {
                return Err(self.error(
                    &format!("{field}.inspection.every"),
                    "inspections every 0s".into(),
                    "inspect at a real interval, e.g. every: \"90d\"".into(),
                ));
            }
            Some(i) => Some(InspectionSpec {
                every: i.every.ticks(),
                detection: i.detection.0,
            }),
            None => None,
        };
        Ok(DegradationSpec {
            onset,
            effect,
            inspection,
        })
    }

    pub(super) fn certificate(
        &self,
        field: &str,
        c: &Certificate,
    ) -> Result<CertSpec, ScenarioError> {
        if c.validity.ticks() == 0 {
            return Err(self.error(
                &format!("{field}.validity"),
                "a certificate valid for 0s".into(),
                "device certificates are valid for months or years, e.g. validity: \"2y\"".into(),
            ));
        }
        if let Some(before) = c.renew_before
            && before.ticks() >= c.validity.ticks()
        {
            return Err(self.error(
                &format!("{field}.renew_before"),
                format!(
                    "renewal starts {before} before expiry but the certificate is valid for only {}",
                    c.validity
                ),
                "renew some weeks before expiry, e.g. renew_before: \"30d\"".into(),
            ));
        }
        if c.retry_every.ticks() == 0 {
            return Err(self.error(
                &format!("{field}.retry_every"),
                "renewal retried every 0s".into(),
                "retry daily or hourly, e.g. retry_every: \"1d\"".into(),
            ));
        }
        Ok(CertSpec {
            validity: c.validity.ticks(),
            renew_before: c.renew_before.map(|d| d.ticks()),
            renewal_success: c.renewal_success.0,
            retry_every: c.retry_every.ticks(),
            fix: self.dist(&format!("{field}.fix"), &c.fix)?,
            first_expiry: c
                .first_expiry
                .as_ref()
                .map(|d| self.dist(&format!("{field}.first_expiry"), d))
                .transpose()?,
        })
    }

    /// A battery's life from its currents: capacity over the average current.
    fn battery(
        &self,
        field: &str,
        b: &Battery,
        report: &DurationDist,
        tech: Option<Tech>,
    ) -> Result<BatterySpec, ScenarioError> {
        let Some(radio_mj) = b
            .radio_mj_per_message
            .map(|a| a.0)
            .or(tech.map(|t| catalog::preset(t).energy_mj_per_message))
        else {
            return Err(self.error(
                field,
                "the battery's radio energy per message is unknown".into(),
                "give the fleet's link a tech (e.g. link: Link(tech: NbIot)) or write \
                 radio_mj_per_message: 150"
                    .into(),
            ));
        };
        let period_s = report.mean() / TICKS_PER_SECOND as f64;
        let average_ma = average_current_ma(b, radio_mj, period_s);
        let life_hours = b.capacity_mah.0 / average_ma;
        Ok(BatterySpec {
            life: life_hours * 3600.0 * TICKS_PER_SECOND as f64,
            average_ma,
            spread: b.spread.0,
            swap: b
                .swap
                .as_ref()
                .map(|d| self.dist(&format!("{field}.swap"), d))
                .transpose()?,
        })
    }
}

/// A battery's average current in mA: sleep, plus the charge of each report's active time and
/// radio message spread over the reporting period, plus self-discharge.
pub fn average_current_ma(b: &Battery, radio_mj: f64, period_s: f64) -> f64 {
    let sleep = b.sleep_ua.0 / 1000.0;
    let active = b.active_ma.0 * b.active_s.0 / period_s;
    // mJ / V = mC = mA·s per message.
    let radio = radio_mj / b.voltage.0 / period_s;
    let self_discharge = b.capacity_mah.0 * b.self_discharge_per_year.0 / (365.0 * 24.0);
    sleep + active + radio + self_discharge
}

/// The dead devices that make up at least `share` of `count`: the smallest whole k with
/// k / count >= share. `share × count` is rounded first when it is within a relative 1e-9 of a
/// whole number, so 0.3 × 10 (3.0000000000000004 in floating point) asks for 3, not 4.
pub(super) fn dead_to_stop(share: f64, count: u32) -> u32 {
    let exact = share * count as f64;
    let whole = exact.round();
    let k = if (exact - whole).abs() <= 1e-9 * exact.max(1.0) {
        whole
    } else {
        exact.ceil()
    };
    (k as u32).clamp(1, count.max(1))
}

#[cfg(test)]
mod tests {
    use super::dead_to_stop;

    #[test]
    fn the_stop_count_is_the_smallest_that_reaches_the_share() {
        assert_eq!(dead_to_stop(0.5, 10), 5);
        assert_eq!(dead_to_stop(0.3, 10), 3);
        assert_eq!(dead_to_stop(0.31, 10), 4);
        assert_eq!(dead_to_stop(1.0, 7), 7);
        assert_eq!(dead_to_stop(1e-6, 10), 1);
        assert_eq!(dead_to_stop(0.7, 1000), 700);
    }
}
