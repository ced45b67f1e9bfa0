//! Whole-file checks and compilation of a parsed scenario into a [`Deployment`].

use std::path::Path;

use crate::engine::random::name_key;
use crate::engine::{DurationDist, TICKS_PER_SECOND, Ticks};

use super::catalog::{self, Tech};
use super::cellular::SimKind;
use super::deployment::{BatterySpec, CampaignSpec, CertSpec, LifeSpec, ReplaceSpec};
use super::deployment::{Bound, BurstSpec, Expectation, FaultSpec, FaultTarget, FleetHit};
use super::deployment::{
    CarrierSpec, CauseSpec, Deployment, FailoverSpec, FailureSpec, FleetSpec, GatewaySpec,
    GroupSpec, LinkSpec, LoRaSpec, PlacementSpec, SwitchBackSpec, Unit, UplinkSpec,
};
use super::deployment::{CostSpec, DeviceCostSpec, GatewayCostSpec, PlanSpec, SlaSpec};
use super::deployment::{CrewSpec, Pool, SparesSpec, StandbyKind, SteadyStart};
use super::deployment::{DegradationSpec, Effect, InspectionSpec, Onset};
use super::devices::{self, Environment, Protocol};
use super::error::{Diagnostic, ScenarioError, closest};
use super::inventory::{MAX_VERSIONS, Versions};
use super::locate::FieldMap;
use super::table;
use super::types::{
    Battery, Certificate, Costs, DEFAULT_MESSAGE_BYTES, Degradation, DegradationMode, Detection,
    Dist, Expect, Failover, Failure, Fault, Link, LinkRef, LoRa, LoRaAccess, Outages, Placement,
    Power, Redundancy, Scenario, Start, SwitchBack, Target,
};
use crate::model::lora::{self, LoRaPhy, LogDistance};

/// Most maintenance windows one scenario may expand to; each is an event pair per replication.
const MAX_WINDOWS: u64 = 1_000_000;

/// The most devices one run may hold: event payloads address devices with 27 bits.
pub const MAX_DEVICES: u64 = (1 << 27) - 1;

/// The most replications one study may run. A 95% interval narrows as 1/√R, so a million
/// replications already pins a mean to a thousandth of one replication's spread; beyond that a
/// count is a typo (`-r 4000000000` allocated 3.7 GB of bookkeeping before anything ran).
pub const MAX_REPLICATIONS: u32 = 1_000_000;

/// The most cold spares a device may keep. Field practice is 0 to 2 spare units per device;
/// each spare adds one lifetime draw per failure, so `4294967295` made a run spin for hours
/// without a word.
pub const MAX_COLD_SPARES: u32 = 100;

pub(super) struct Ctx<'a> {
    source: &'a str,
    file: &'a str,
    map: &'a FieldMap,
}

impl Ctx<'_> {
    pub(super) fn error(&self, field: &str, message: String, hint: String) -> ScenarioError {
        Diagnostic::at_field(self.source, self.file, self.map, field, message, hint).into()
    }

    /// Resolves a reference to an id of `kind`, or explains what exists.
    pub(super) fn resolve(
        &self,
        field: &str,
        kind: &str,
        wanted: &str,
        ids: &[&str],
    ) -> Result<usize, ScenarioError> {
        if let Some(i) = ids.iter().position(|id| *id == wanted) {
            return Ok(i);
        }
        let known = if ids.is_empty() {
            format!("there are no {kind}s; declare one first")
        } else {
            let listed = ids
                .iter()
                .map(|i| format!("\"{i}\""))
                .collect::<Vec<_>>()
                .join(", ");
            match closest(wanted, ids.iter().copied()) {
                Some(guess) => format!("did you mean \"{guess}\"? Known {kind}s: {listed}"),
                None => format!("known {kind}s: {listed}"),
            }
        };
        Err(self.error(field, format!("unknown {kind} id \"{wanted}\""), known))
    }

    fn unique_ids(&self, list: &str, kind: &str, ids: &[&str]) -> Result<(), ScenarioError> {
        for (i, id) in ids.iter().enumerate() {
            if id.is_empty() {
                return Err(self.error(
                    &format!("{list}[{i}].id"),
                    format!("empty {kind} id"),
                    "give every item a short name, e.g. id: \"north\"".to_string(),
                ));
            }
            if let Some(first) = ids[..i].iter().position(|other| other == id) {
                return Err(self.error(
                    &format!("{list}[{i}].id"),
                    format!("{kind} id \"{id}\" is used twice (also by {list}[{first}])"),
                    "ids must be unique within their list; rename one".to_string(),
                ));
            }
        }
        Ok(())
    }

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

    pub(super) fn dist(&self, field: &str, dist: &Dist) -> Result<DurationDist, ScenarioError> {
        if let Dist::Uniform { min, max } = dist
            && min.ticks() > max.ticks()
        {
            return Err(self.error(
                &format!("{field}.min"),
                format!("Uniform min {min} is greater than max {max}"),
                format!("swap them: Uniform(min: \"{max}\", max: \"{min}\")"),
            ));
        }
        let made = match dist {
            Dist::Fixed(d) => Ok(DurationDist::fixed(d.ticks())),
            Dist::Exponential { mean } => DurationDist::exponential(mean.ticks()),
            Dist::Weibull { shape, scale } => DurationDist::weibull(shape.0, scale.ticks()),
            Dist::LogNormal { median, sigma } => DurationDist::lognormal(median.ticks(), sigma.0),
            Dist::Uniform { min, max } => DurationDist::uniform(min.ticks(), max.ticks()),
            Dist::Jitter { period, jitter } => {
                let inner = self.dist(&format!("{field}.jitter"), jitter)?;
                Ok(DurationDist::jitter(period.ticks(), inner))
            }
            Dist::First(risks) => {
                if risks.is_empty() {
                    return Err(self.error(
                        field,
                        "First([]) has no risk to strike".into(),
                        "list at least one law, e.g. First([Exponential(mean: \"10y\")])".into(),
                    ));
                }
                let risks = risks
                    .iter()
                    .enumerate()
                    .map(|(i, r)| self.dist(&format!("{field}[{i}]"), r))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(DurationDist::first(risks))
            }
            Dist::Bathtub {
                infant,
                random,
                wearout,
            } => Ok(DurationDist::first(vec![
                self.dist(&format!("{field}.infant"), infant)?,
                self.dist(&format!("{field}.random"), random)?,
                self.dist(&format!("{field}.wearout"), wearout)?,
            ])),
            Dist::Gamma { shape, scale, mean } => match (scale, mean) {
                (Some(scale), None) => DurationDist::gamma(shape.0, scale.ticks() as f64),
                (None, Some(mean)) => DurationDist::gamma(shape.0, mean.ticks() as f64 / shape.0),
                _ => {
                    return Err(self.error(
                        field,
                        "Gamma needs its shape and exactly one of scale and mean".into(),
                        format!(
                            "e.g. Gamma(shape: {}, mean: \"4h\"); mean = shape × scale",
                            shape.0
                        ),
                    ));
                }
            },
            Dist::Erlang { k, mean } => DurationDist::erlang(k.0, mean.ticks()),
            Dist::Empirical { durations, file } => {
                let observed = match (durations, file) {
                    (Some(list), None) => list.iter().map(|d| d.ticks()).collect(),
                    (None, Some(path)) => self.durations_file(&format!("{field}.file"), path)?,
                    _ => {
                        return Err(self.error(
                            field,
                            "Empirical needs exactly one of durations and file".into(),
                            "e.g. Empirical(durations: [\"2h\", \"3h\", \"7h\"]) or \
                             Empirical(file: \"repairs.csv\") with a `duration` column"
                                .into(),
                        ));
                    }
                };
                Ok(DurationDist::empirical(observed).map_err(|e| {
                    self.error(
                        field,
                        format!("invalid distribution: {e}"),
                        "list the observed durations, e.g. durations: [\"2h\", \"3h\"]".into(),
                    )
                })?)
            }
            Dist::Mixture { weights, laws } => {
                if weights.len() != laws.len() || laws.is_empty() {
                    return Err(self.error(
                        &format!("{field}.weights"),
                        format!("{} weights for {} laws", weights.len(), laws.len()),
                        "give one weight per law, e.g. Mixture(weights: [0.9, 0.1], laws: \
                         [Exponential(mean: \"2h\"), Fixed(\"2d\")])"
                            .into(),
                    ));
                }
                let laws = laws
                    .iter()
                    .enumerate()
                    .map(|(i, l)| self.dist(&format!("{field}.laws[{i}]"), l))
                    .collect::<Result<Vec<_>, _>>()?;
                let weights: Vec<f64> = weights.iter().map(|w| w.0).collect();
                DurationDist::mixture(&weights, laws)
            }
        };
        made.map_err(|e| {
            self.error(
                field,
                format!("invalid distribution: {e}"),
                "a mean, median or scale must be longer than 0s, and min at most max".to_string(),
            )
        })
    }

    /// The durations in the `duration` column of the CSV file at `path` (relative to the
    /// scenario's folder), each located in that file if it is not a duration.
    fn durations_file(&self, field: &str, path: &str) -> Result<Vec<Ticks>, ScenarioError> {
        const LAYOUT: table::Layout = table::Layout {
            what: "durations",
            columns: &["duration"],
            key: "duration",
            example_header: "duration",
            example_json: "{\"duration\": \"3h\"}",
        };
        // A sweep point's name carries its settings after the file name.
        let scenario = self.file.split(" [").next().unwrap_or(self.file);
        let base = std::path::Path::new(scenario)
            .parent()
            .unwrap_or(std::path::Path::new(""));
        let full = base.join(path);
        let (source, rows) = table::read(&full, &LAYOUT).map_err(|e| match e {
            table::TableError::Invalid(d) => ScenarioError::Invalid(d),
            table::TableError::Io { message, .. } => self.error(
                field,
                format!("cannot read {}: {message}", full.display()),
                "the path is relative to the scenario's folder; the file is CSV with a \
                 `duration` column (\"3h\", \"45min\")"
                    .into(),
            ),
        })?;
        let name = full.display().to_string();
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let Some(cell) = row.cell("duration") else {
                continue;
            };
            let d = crate::engine::Duration::parse(&cell.text).map_err(|e| {
                let located = table::error(
                    &source,
                    &name,
                    row.line,
                    cell.column,
                    "duration",
                    format!("`{}` is not a duration: {e}", cell.text),
                    "write a number with a unit, e.g. 3h, 45min, 2.5d".into(),
                );
                match located {
                    table::TableError::Invalid(d) => ScenarioError::Invalid(d),
                    other => self.error(field, other.to_string(), String::new()),
                }
            })?;
            out.push(d.ticks());
        }
        Ok(out)
    }

    /// A link, its unwritten fields taken from its technology's preset if it names one.
    fn link(&self, field: &str, written: &Link) -> Result<LinkSpec, ScenarioError> {
        let preset = written
            .tech
            .map(|t| catalog::preset(t).link())
            .unwrap_or_default();
        let link = Link {
            tech: written.tech,
            loss: written.loss.or(preset.loss),
            latency: written.latency.clone().or(preset.latency),
            burst: written.burst.or(preset.burst),
            data_rate_bps: written.data_rate_bps.or(preset.data_rate_bps),
        };
        let latency = link
            .latency
            .unwrap_or(Dist::Fixed(crate::engine::Duration::ZERO));
        // Every probability a hop draws from is checked here, where it can be located: the
        // model treats them as valid and has no file to point at.
        let probabilities = [
            ("loss", link.loss.map(|p| p.0)),
            ("burst.enter", link.burst.map(|b| b.enter.0)),
            ("burst.leave", link.burst.map(|b| b.leave.0)),
            ("burst.loss", link.burst.map(|b| b.loss.0)),
        ];
        for (name, p) in probabilities {
            if let Some(p) = p.filter(|p| !(0.0..=1.0).contains(p)) {
                return Err(self.error(
                    &format!("{field}.{name}"),
                    format!("expected a probability between 0 and 1, found {p}"),
                    "a probability: 0.01 means 1% of messages".into(),
                ));
            }
        }
        Ok(LinkSpec {
            loss: link.loss.map_or(0.0, |p| p.0),
            data_rate_bps: link.data_rate_bps.map(|r| r.0),
            burst: link.burst.map(|b| BurstSpec {
                enter: b.enter.0,
                leave: b.leave.0,
                loss: b.loss.0,
            }),
            latency: self.dist(&format!("{field}.latency"), &latency)?,
        })
    }

    fn lora(&self, field: &str, l: &LoRa, message_bytes: u32) -> Result<LoRaSpec, ScenarioError> {
        if !(7..=12).contains(&l.spreading_factor) {
            return Err(self.error(
                &format!("{field}.spreading_factor"),
                format!("spreading factor {} is not 7 to 12", l.spreading_factor),
                "LoRa uses SF7 (fast, short range) to SF12 (slow, long range)".into(),
            ));
        }
        if ![125, 250, 500].contains(&l.bandwidth_khz) {
            return Err(self.error(
                &format!("{field}.bandwidth_khz"),
                format!("bandwidth {} kHz is not a LoRa bandwidth", l.bandwidth_khz),
                "use 125, 250 or 500".into(),
            ));
        }
        if !(1..=4).contains(&l.coding_rate) {
            return Err(self.error(
                &format!("{field}.coding_rate"),
                format!("coding rate {} is not 1 to 4", l.coding_rate),
                "1 means 4/5 (LoRaWAN's), 4 means 4/8".into(),
            ));
        }
        if l.duty_cycle.0 <= 0.0 {
            return Err(self.error(
                &format!("{field}.duty_cycle"),
                "a duty cycle of 0 never lets a device transmit".into(),
                "EU868 allows 0.01 (1%); write 1.0 for no limit".into(),
            ));
        }
        if l.channels.0 > 64 {
            return Err(self.error(
                &format!("{field}.channels"),
                format!(
                    "{} channels is more than a LoRaWAN region defines",
                    l.channels.0
                ),
                "EU868 networks use 8, US915 64 at most".into(),
            ));
        }
        let slot = match l.access {
            LoRaAccess::Pure => None,
            LoRaAccess::Slotted { slot } => {
                // The longest frame the fleet can send: at SF12 when devices pick their SF.
                let sf = if l.sf_by_distance {
                    12
                } else {
                    l.spreading_factor
                };
                let phy = LoRaPhy {
                    spreading_factor: sf,
                    bandwidth_hz: l.bandwidth_khz * 1000,
                    coding_rate: l.coding_rate,
                    ..LoRaPhy::default()
                };
                let airtime = phy.time_on_air_us(message_bytes + lora::LORAWAN_OVERHEAD_BYTES);
                if slot.ticks() < airtime {
                    return Err(self.error(
                        &format!("{field}.access.slot"),
                        format!(
                            "a slot of {} µs is shorter than a frame's {airtime} µs on air at SF{sf}",
                            slot.ticks()
                        ),
                        format!(
                            "a slotted frame must fit its slot: use a slot of at least {:.3} s",
                            airtime as f64 / 1e6
                        ),
                    ));
                }
                Some(slot.ticks())
            }
        };
        let placement = l.placement.map(|p| self.placement(field, &p)).transpose()?;
        let needs = |what: &str| {
            self.error(
                &format!("{field}.{what}"),
                format!("`{what}` needs to know how far each device is from its gateway"),
                "add `placement: Placement(radius_m: ...)` to the fleet's `lora`".into(),
            )
        };
        if placement.is_none() && l.sf_by_distance {
            return Err(needs("sf_by_distance"));
        }
        if let Some(c) = l.capture_db {
            if placement.is_none() {
                return Err(needs("capture_db"));
            }
            if !(c.is_finite() && c >= 0.0) {
                return Err(self.error(
                    &format!("{field}.capture_db"),
                    format!("a capture threshold of {c} dB is not a power ratio"),
                    "Bor et al. 2016 measured 6 dB; use 0 or more".into(),
                ));
            }
        }
        Ok(LoRaSpec {
            spreading_factor: l.spreading_factor,
            channels: l.channels.0,
            duty_cycle: l.duty_cycle.0,
            bandwidth_hz: l.bandwidth_khz * 1000,
            coding_rate: l.coding_rate,
            slot,
            placement,
            sf_by_distance: l.sf_by_distance,
            capture_db: l.capture_db,
            rules: super::compile_lora::rules(l, message_bytes)
                .map_err(|e| self.error(&format!("{field}.{}", e.field), e.message, e.hint))?,
        })
    }

    fn placement(&self, field: &str, p: &Placement) -> Result<PlacementSpec, ScenarioError> {
        let field = format!("{field}.placement");
        let positive = |name: &str, v: f64, hint: &str| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(self.error(
                    &format!("{field}.{name}"),
                    format!("{name} {v} is not a positive number"),
                    hint.into(),
                ))
            }
        };
        positive(
            "radius_m",
            p.radius_m,
            "the disc's radius in metres, e.g. 500",
        )?;
        positive(
            "path_loss.d0_m",
            p.path_loss.d0_m,
            "the reference distance in metres; Bor et al. 2016 use 40",
        )?;
        positive(
            "path_loss.exponent",
            p.path_loss.exponent,
            "2 in free space, 2.7 to 4 in cities; Bor et al. 2016 fitted 2.08",
        )?;
        let finite = |name: &str, v: f64, hint: &str| {
            if v.is_finite() && (name != "path_loss.shadowing_db" || v >= 0.0) {
                Ok(())
            } else {
                Err(self.error(
                    &format!("{field}.{name}"),
                    format!("{name} {v} is not a usable number of dB"),
                    hint.into(),
                ))
            }
        };
        finite("tx_power_dbm", p.tx_power_dbm, "14 dBm is the EU868 limit")?;
        finite(
            "path_loss.loss_d0_db",
            p.path_loss.loss_d0_db,
            "Bor et al. 2016 measured 127.41 dB at 40 m",
        )?;
        finite(
            "path_loss.shadowing_db",
            p.path_loss.shadowing_db,
            "a standard deviation of 0 or more; Bor et al. 2016 measured 3.57 dB",
        )?;
        Ok(PlacementSpec {
            radius_m: p.radius_m,
            tx_power_dbm: p.tx_power_dbm,
            path_loss: LogDistance {
                d0_m: p.path_loss.d0_m,
                loss_d0_db: p.path_loss.loss_d0_db,
                exponent: p.path_loss.exponent,
            },
            shadowing_db: p.path_loss.shadowing_db,
        })
    }

    fn outages(&self, field: &str, o: &Outages) -> Result<FailureSpec, ScenarioError> {
        Ok(FailureSpec {
            lifetime: self.dist(&format!("{field}.every"), &o.every)?,
            repair: self.dist(&format!("{field}.lasting"), &o.lasting)?,
            steady: None,
        })
    }

    pub(super) fn detection(
        &self,
        field: &str,
        d: &Detection,
    ) -> Result<DurationDist, ScenarioError> {
        match d {
            Detection::Heartbeat { every, misses } => {
                if every.ticks() == 0 {
                    return Err(self.error(
                        &format!("{field}.every"),
                        "heartbeats every 0s".into(),
                        "e.g. Heartbeat(every: \"30s\", misses: 3)".into(),
                    ));
                }
                let last = every.ticks().saturating_mul(misses.0 as u64);
                let first = last - every.ticks();
                DurationDist::uniform(first, last).map_err(|e| {
                    self.error(field, format!("invalid detection: {e}"), String::new())
                })
            }
            Detection::After(dist) => self.dist(field, dist),
        }
    }

    pub(super) fn switch_back(&self, s: &SwitchBack) -> SwitchBackSpec {
        match s {
            SwitchBack::Immediate => SwitchBackSpec::Immediate,
            SwitchBack::HoldDown(d) => SwitchBackSpec::HoldDown(d.ticks()),
            SwitchBack::Never => SwitchBackSpec::Never,
        }
    }

    fn failover(&self, field: &str, f: &Option<Failover>) -> Result<FailoverSpec, ScenarioError> {
        Ok(match f {
            None | Some(Failover::Instant) => FailoverSpec::Instant,
            Some(Failover::NoFailover) => FailoverSpec::NoFailover,
            Some(Failover::Esim {
                detection,
                switch_time,
                switch_failure,
                coverage,
                switch_back,
            }) => FailoverSpec::Esim {
                detection: self.detection(&format!("{field}.detection"), detection)?,
                switch_time: self.dist(&format!("{field}.switch_time"), switch_time)?,
                switch_failure: switch_failure.0,
                coverage: coverage.0,
                switch_back: self.switch_back(switch_back),
            },
            Some(Failover::Backup {
                detection,
                switch_time,
                coverage,
                switch_back,
            }) => FailoverSpec::Backup {
                detection: self.detection(&format!("{field}.detection"), detection)?,
                switch_time: self.dist(&format!("{field}.switch_time"), switch_time)?,
                coverage: coverage.0,
                switch_back: self.switch_back(switch_back),
            },
        })
    }

    fn certificate(&self, field: &str, c: &Certificate) -> Result<CertSpec, ScenarioError> {
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

    fn failure(
        &self,
        field: &str,
        failure: &Option<Failure>,
    ) -> Result<Option<FailureSpec>, ScenarioError> {
        failure
            .as_ref()
            .map(|f| {
                Ok(FailureSpec {
                    lifetime: self.dist(&format!("{field}.lifetime"), &f.lifetime)?,
                    repair: self.dist(&format!("{field}.repair"), &f.repair)?,
                    steady: None,
                })
            })
            .transpose()
    }
}

pub fn compile(
    s: Scenario,
    source: &str,
    file: &str,
    map: &FieldMap,
) -> Result<Deployment, ScenarioError> {
    let cx = Ctx { source, file, map };
    if s.horizon.ticks() == 0 {
        return Err(cx.error(
            "horizon",
            "the horizon is 0s".into(),
            "simulate some time, e.g. horizon: \"30d\"".into(),
        ));
    }
    // A thousand years is far beyond any deployment and keeps every time sum in 64 bits.
    let longest = crate::engine::Duration::parse("1000y").map_or(u64::MAX, |d| d.ticks());
    if s.horizon.ticks() > longest {
        return Err(cx.error(
            "horizon",
            format!("the horizon {} is longer than 1000 years", s.horizon),
            "industrial fleets live 10–20 years; e.g. horizon: \"20y\"".into(),
        ));
    }
    if let Some(w) = s.warmup
        && w.ticks() >= s.horizon.ticks()
    {
        return Err(cx.error(
            "warmup",
            format!(
                "the warm-up {w} is not shorter than the horizon {}",
                s.horizon
            ),
            "the warm-up is left out of every measure; keep it a small part of the horizon, \
             e.g. warmup: \"1d\" with horizon: \"30d\""
                .into(),
        ));
    }
    mission_times(&cx, &s)?;
    if s.replications.0 > MAX_REPLICATIONS {
        return Err(cx.error(
            "replications",
            format!(
                "{} replications is more than the {MAX_REPLICATIONS} one study may run",
                s.replications.0
            ),
            "the 95% interval narrows as 1/√R: 1,000 replications are usually plenty, and \
             `iotwin run --precision` stops once an interval is narrow enough"
                .into(),
        ));
    }
    // Fleets attached straight to carriers need no gateway.
    let all_direct = s.fleets.iter().all(|f| f.connectivity.is_some());
    for (list, empty) in [
        ("sites", s.sites.is_empty()),
        ("gateways", s.gateways.is_empty() && !all_direct),
        ("fleets", s.fleets.is_empty()),
    ] {
        if empty {
            return Err(cx.error(
                list,
                format!("`{list}` is empty"),
                format!("a deployment needs at least one item in `{list}`"),
            ));
        }
    }
    let site_ids: Vec<&str> = s.sites.iter().map(|x| x.id.as_str()).collect();
    let carrier_ids: Vec<&str> = s.carriers.iter().map(|x| x.id.as_str()).collect();
    let gateway_ids: Vec<&str> = s.gateways.iter().map(|x| x.id.as_str()).collect();
    let fleet_ids: Vec<&str> = s.fleets.iter().map(|x| x.id.as_str()).collect();
    let group_ids: Vec<&str> = s.redundancy.iter().map(|x| x.id()).collect();
    cx.unique_ids("sites", "site", &site_ids)?;
    cx.unique_ids("carriers", "carrier", &carrier_ids)?;
    cx.unique_ids("gateways", "gateway", &gateway_ids)?;
    cx.unique_ids("fleets", "fleet", &fleet_ids)?;
    cx.unique_ids("redundancy", "redundancy group", &group_ids)?;
    let ids = Ids {
        carriers: &carrier_ids,
        gateways: &gateway_ids,
        fleets: &fleet_ids,
    };
    let cause_ids: Vec<&str> = s.common_causes.iter().map(|x| x.id.as_str()).collect();
    cx.unique_ids("common_causes", "common cause", &cause_ids)?;

    let mut regions: Vec<String> = vec![];
    let mut carriers = Vec::with_capacity(s.carriers.len());
    for (i, c) in s.carriers.iter().enumerate() {
        let outages = c
            .outages
            .as_ref()
            .map(|o| cx.outages(&format!("carriers[{i}].outages"), o))
            .transpose()?;
        let region = c.region.as_ref().map(|r| {
            regions.iter().position(|x| x == r).unwrap_or_else(|| {
                regions.push(r.clone());
                regions.len() - 1
            })
        });
        // Regions a carrier covers are regions too (a national network's coverage map).
        for r in c.coverage.iter().flat_map(|m| m.keys()) {
            if !regions.contains(r) {
                regions.push(r.clone());
            }
        }
        carriers.push(CarrierSpec {
            id: c.id.clone(),
            key: name_key("carrier", &c.id),
            outages,
            region,
            attach_channels: c.attach_channels.map(|n| n.0),
        });
    }

    let mut gateways = Vec::with_capacity(s.gateways.len());
    for (i, g) in s.gateways.iter().enumerate() {
        let here = format!("gateways[{i}]");
        let site = cx.resolve(&format!("{here}.site"), "site", &g.site, &site_ids)?;
        if g.uplinks.is_empty() {
            return Err(cx.error(
                &format!("{here}.uplinks"),
                format!("gateway \"{}\" has no uplink", g.id),
                format!(
                    "add one, e.g. uplinks: [Uplink(carrier: \"{}\")]",
                    carrier_ids.first().unwrap_or(&"A")
                ),
            ));
        }
        let mut uplinks = Vec::with_capacity(g.uplinks.len());
        for (u, up) in g.uplinks.iter().enumerate() {
            let at = format!("{here}.uplinks[{u}]");
            uplinks.push(UplinkSpec {
                carrier: cx.resolve(
                    &format!("{at}.carrier"),
                    "carrier",
                    &up.carrier,
                    &carrier_ids,
                )?,
                link: cx.link(&format!("{at}.link"), &up.link)?,
            });
        }
        let service = match (&g.drain_per_s, &g.service) {
            (Some(_), Some(_)) => {
                return Err(cx.error(
                    &format!("{here}.service"),
                    format!("gateway \"{}\" has both drain_per_s and service", g.id),
                    "give one: a rate (drain_per_s: 200.0) or a time per message".into(),
                ));
            }
            (Some(rate), None) => Some(DurationDist::fixed(
                ((TICKS_PER_SECOND as f64 / rate.0).round() as u64).max(1),
            )),
            (None, Some(d)) => Some(cx.dist(&format!("{here}.service"), d)?),
            (None, None) => None,
        };
        let servers = g.servers.map_or(1, |c| c.0);
        if servers > 1
            && service.is_none()
            && uplinks.iter().all(|u| u.link.data_rate_bps.is_none())
        {
            return Err(cx.error(
                &format!("{here}.servers"),
                format!(
                    "gateway \"{}\" has {servers} servers but forwarding takes no time",
                    g.id
                ),
                "give each message a holding time, e.g. service: Exponential(mean: \"3m\"), \
                 or a rate (drain_per_s: 200.0)"
                    .into(),
            ));
        }
        gateways.push(GatewaySpec {
            id: g.id.clone(),
            key: name_key("gateway", &g.id),
            site,
            buffer_messages: g.buffer_messages,
            drop: g.drop,
            service,
            servers,
            uplinks,
            failover: cx.failover(&format!("{here}.failover"), &g.failover)?,
            failure: {
                if g.failure
                    .as_ref()
                    .is_some_and(|f| f.start == Start::Equilibrium)
                {
                    return Err(cx.error(
                        &format!("{here}.failure.start"),
                        "an equilibrium start is for fleets' failures so far".into(),
                        "remove `start: Equilibrium` from the gateway, or use a warmup".into(),
                    ));
                }
                cx.failure(&format!("{here}.failure"), &g.failure)?
            },
        });
    }

    let mut groups = Vec::with_capacity(s.redundancy.len());
    let mut grouped: Vec<Option<usize>> = vec![None; gateways.len()];
    for (i, r) in s.redundancy.iter().enumerate() {
        let here = format!("redundancy[{i}]");
        if gateway_ids.contains(&r.id()) {
            return Err(cx.error(
                &format!("{here}.id"),
                format!("\"{}\" names both a gateway and a redundancy group", r.id()),
                "fleets name either; give the group its own id, e.g. \"north-pair\"".into(),
            ));
        }
        if r.gateways().len() < 2 {
            return Err(cx.error(
                &format!("{here}.gateways"),
                format!(
                    "redundancy group \"{}\" has fewer than two gateways",
                    r.id()
                ),
                "a group backs one gateway with another: gateways: [\"gw-a\", \"gw-b\"]".into(),
            ));
        }
        let mut members = Vec::with_capacity(r.gateways().len());
        for (k, g) in r.gateways().iter().enumerate() {
            let field = format!("{here}.gateways[{k}]");
            let m = cx.resolve(&field, "gateway", g, &gateway_ids)?;
            if let Some(other) = grouped[m] {
                return Err(cx.error(
                    &field,
                    format!(
                        "gateway \"{g}\" is already in redundancy group \"{}\"",
                        group_ids[other]
                    ),
                    "a gateway belongs to at most one redundancy group".into(),
                ));
            }
            if gateways[m].site != gateways[members.first().copied().unwrap_or(m)].site {
                return Err(cx.error(
                    &field,
                    format!("gateway \"{g}\" is at another site than the rest of its group"),
                    "redundant gateways serve the same devices, so they stand at one site".into(),
                ));
            }
            grouped[m] = Some(i);
            members.push(m);
        }
        let policy = match r {
            Redundancy::ActiveStandby {
                detection,
                switchover,
                coverage,
                switch_back,
                ..
            } => FailoverSpec::ActiveStandby {
                detection: cx.detection(&format!("{here}.detection"), detection)?,
                switchover: cx.dist(&format!("{here}.switchover"), switchover)?,
                coverage: coverage.0,
                switch_back: cx.switch_back(switch_back),
            },
            Redundancy::ActiveActive { detection, .. } => FailoverSpec::ActiveActive {
                detection: cx.detection(&format!("{here}.detection"), detection)?,
            },
        };
        let (pool, at_least) = match r {
            Redundancy::ActiveActive { pool, at_least, .. } => (*pool, at_least.map(|k| k.0)),
            Redundancy::ActiveStandby { .. } => (Pool::Home, None),
        };
        let standby = cx.group_standby(&here, r)?;
        if let Some(k) = at_least.filter(|&k| k as usize > members.len()) {
            return Err(cx.error(
                &format!("{here}.at_least"),
                format!(
                    "redundancy group \"{}\" needs {k} working gateways but has {}",
                    r.id(),
                    members.len()
                ),
                format!(
                    "k of n needs k ≤ n: at_least: {} or fewer, or add gateways",
                    members.len()
                ),
            ));
        }
        groups.push(GroupSpec {
            id: r.id().to_string(),
            key: name_key("group", r.id()),
            members,
            policy,
            pool,
            at_least,
            standby,
        });
    }
    // Gateways that fleets use directly serve them as groups of one, made on first use.
    let mut single_group: Vec<Option<usize>> = vec![None; gateways.len()];

    let mut versions = firmware_versions(&cx, &s)?;
    let mut fleets: Vec<FleetSpec> = Vec::with_capacity(s.fleets.len());
    let mut devices: u64 = 0;
    for (i, f) in s.fleets.iter().enumerate() {
        let here = format!("fleets[{i}]");
        let site = cx.resolve(&format!("{here}.site"), "site", &f.site, &site_ids)?;
        let cellular =
            match (&f.gateway, &f.connectivity) {
                (Some(_), Some(_)) => {
                    return Err(cx.error(
                    &format!("{here}.connectivity"),
                    format!("fleet \"{}\" names both a gateway and its own connectivity", f.id),
                    "a fleet reports through a gateway, or each device attaches to carriers on \
                     its own SIM (`connectivity: Cellular(...)`): drop one of them"
                        .into(),
                ));
                }
                (None, None) => {
                    return Err(cx.error(
                        &here,
                        format!(
                            "fleet \"{}\" names neither a gateway nor its connectivity",
                            f.id
                        ),
                        "add gateway: \"gw\", or connectivity: Cellular(sim: Single(\"op-a\"), \
                     detection: Heartbeat(every: \"15m\", misses: 2))"
                            .into(),
                    ));
                }
                (None, Some(c)) => {
                    Some(cx.cellular(&format!("{here}.connectivity"), c, &s.carriers, &regions)?)
                }
                (Some(_), None) => None,
            };
        let group = match &f.gateway {
            // A fleet on its own SIMs is served by no gateway: an empty group.
            None => {
                groups.push(GroupSpec {
                    id: format!("{} (direct)", f.id),
                    key: name_key("direct", &f.id),
                    members: vec![],
                    policy: FailoverSpec::NoFailover,
                    pool: Pool::Home,
                    at_least: None,
                    standby: StandbyKind::Hot,
                });
                groups.len() - 1
            }
            Some(named) => {
                let group = if let Some(g) = group_ids.iter().position(|id| id == named) {
                    g
                } else {
                    let mut names = gateway_ids.clone();
                    names.extend(&group_ids);
                    let gateway =
                        cx.resolve(&format!("{here}.gateway"), "gateway", named, &names)?;
                    *single_group[gateway].get_or_insert_with(|| {
                        groups.push(GroupSpec {
                            id: gateway_ids[gateway].to_string(),
                            key: name_key("group", gateway_ids[gateway]),
                            members: vec![gateway],
                            policy: FailoverSpec::NoFailover,
                            pool: Pool::Home,
                            at_least: None,
                            standby: StandbyKind::Hot,
                        });
                        groups.len() - 1
                    })
                };
                let gateway = groups[group].members[0];
                if gateways[gateway].site != site {
                    return Err(cx.error(
                        &format!("{here}.gateway"),
                        format!(
                            "fleet \"{}\" is at site \"{}\" but gateway \"{}\" is at site \"{}\"",
                            f.id, f.site, named, site_ids[gateways[gateway].site]
                        ),
                        "a fleet reports to a gateway at its own site; pick one there or move the fleet"
                            .into(),
                    ));
                }
                group
            }
        };
        if cellular.is_some() && f.lora.is_some() {
            return Err(cx.error(
                &format!("{here}.lora"),
                format!(
                    "fleet \"{}\" is on LoRa and attaches to cellular carriers",
                    f.id
                ),
                "a LoRa device reaches a gateway, not a carrier: drop `lora` or `connectivity`"
                    .into(),
            ));
        }
        let class = f.class.map(devices::preset);
        let Some(report) = f.report.as_ref().or(class.as_ref().map(|c| &c.report)) else {
            return Err(cx.error(
                &here,
                format!(
                    "fleet \"{}\" says neither how often it reports nor its class",
                    f.id
                ),
                "add report: Fixed(\"60s\"), or a class such as class: SmartMeter \
                 (iotwin catalog devices lists them)"
                    .into(),
            ));
        };
        let report = cx.dist(&format!("{here}.report"), report)?;
        if report.mean() < 1.0 {
            return Err(cx.error(
                &format!("{here}.report"),
                "the reporting interval is 0s".into(),
                "devices report every so often, e.g. report: Fixed(\"60s\")".into(),
            ));
        }
        if f.buffer_messages > 0 && f.lora.is_some() {
            return Err(cx.error(
                &format!("{here}.buffer_messages"),
                format!("fleet \"{}\" is on LoRa and keeps a device buffer", f.id),
                "under a duty-cycle limit a LoRa device cannot send a backlog; drop one of them"
                    .into(),
            ));
        }
        let payload = f
            .message_bytes
            .or(class.as_ref().map(|c| c.message_bytes))
            .unwrap_or(DEFAULT_MESSAGE_BYTES);
        let named_protocol = f.protocol.or(class.as_ref().map(|c| c.protocol));
        let protocol = named_protocol.unwrap_or(Protocol::Raw);
        let environment = f
            .environment
            .or(class.as_ref().map(|c| c.environment))
            .unwrap_or(Environment::Indoor);
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
                Some(cx.battery(&format!("{here}.power"), b, &report, f.link.tech)?)
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
        life.standby = cx.device_standby(&here, f, &life, failure.is_some())?;
        let mut failure = failure;
        if let Some(spec) = &mut failure
            && written_failure
                .as_ref()
                .is_some_and(|w| w.start == Start::Equilibrium)
        {
            if life.has_clocks()
                || life.age.is_some()
                || life.cold_spares > 0
                || life.standby.is_some()
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
        devices += f.count.0 as u64;
        if devices > MAX_DEVICES {
            return Err(cx.error(
                &format!("{here}.count"),
                format!("{devices} devices in all is more than one run can hold ({MAX_DEVICES})"),
                "split the study into several scenarios".into(),
            ));
        }
        let lora = f
            .lora
            .map(|l| {
                cx.lora(
                    &format!("{here}.lora"),
                    &l,
                    payload + protocol.overhead_bytes(),
                )
            })
            .transpose()?;
        if let Some(l) = lora
            && let Some(other) = fleets
                .iter()
                .find(|o| o.site == site && o.lora.is_some_and(|m| !l.shares_channels_with(&m)))
        {
            return Err(cx.error(
                &format!("{here}.lora"),
                format!(
                    "fleet \"{}\" shares its site's LoRa channels with fleet \"{}\" but not its \
                     access or capture threshold",
                    f.id, other.id
                ),
                "fleets at one site hear each other: give them the same `access` and `capture_db`"
                    .into(),
            ));
        }
        fleets.push(FleetSpec {
            id: f.id.clone(),
            key: name_key("fleet", &f.id),
            site,
            group,
            count: f.count.0,
            report,
            message_bytes: payload + protocol.overhead_bytes(),
            protocol: named_protocol,
            link: cx.link(&format!("{here}.link"), &f.link)?,
            buffer_messages: f.buffer_messages,
            lora,
            failure,
            life,
            certificate: f
                .certificate
                .as_ref()
                .map(|c| cx.certificate(&format!("{here}.certificate"), c))
                .transpose()?,
            stop_when_dead: f.stop_when_dead.map(|s| dead_to_stop(s.0, f.count.0)),
            at_least_up: match f.at_least_up {
                Some(k) if k.0 > f.count.0 => {
                    return Err(cx.error(
                        &format!("{here}.at_least_up"),
                        format!(
                            "fleet \"{}\" needs {} devices up but has {}",
                            f.id, k.0, f.count.0
                        ),
                        format!("k of n needs k ≤ n: at_least_up: {} or fewer", f.count.0),
                    ));
                }
                k => k.map(|k| k.0),
            },
            cellular,
            firmware_version: f.firmware_version.as_deref().and_then(|v| versions.get(v)),
        });
    }

    let inventory = s
        .inventory
        .as_ref()
        .map(|path| {
            // Where each fleet is: its site, and the carriers a device of it can be on.
            let places: Vec<(&str, Vec<&str>)> = fleets
                .iter()
                .map(|f| {
                    let carrier_ids: Vec<usize> = match &f.cellular {
                        Some(cell) => cell.profiles.clone(),
                        None => groups[f.group]
                            .members
                            .iter()
                            .flat_map(|&g| gateways[g].uplinks.iter().map(|u| u.carrier))
                            .collect(),
                    };
                    let names = carrier_ids.iter().map(|&c| carriers[c].id.as_str());
                    (site_ids[f.site], names.collect())
                })
                .collect();
            let as_of = s.as_of.as_deref();
            start_from_inventory(&cx, path, as_of, &s, &mut fleets, &places, &mut versions)
        })
        .transpose()?;

    let units = |field: &str, target: &Target| -> Result<Vec<Unit>, ScenarioError> {
        let units: Vec<Unit> = match target {
            Target::Carrier(c) => vec![Unit::Carrier(cx.resolve(
                field,
                "carrier",
                c,
                &carrier_ids,
            )?)],
            Target::Gateway(g) => vec![Unit::Gateway(cx.resolve(
                field,
                "gateway",
                g,
                &gateway_ids,
            )?)],
            Target::Site(site) => {
                let site = cx.resolve(field, "site", site, &site_ids)?;
                (0..gateways.len())
                    .filter(|&g| gateways[g].site == site)
                    .map(Unit::Gateway)
                    .collect()
            }
            Target::Region(r) => {
                let names: Vec<&str> = regions.iter().map(String::as_str).collect();
                if names.is_empty() {
                    return Err(cx.error(
                        field,
                        format!("unknown region id \"{r}\""),
                        "regions are named on carriers: Carrier(id: \"a\", region: \"north\")"
                            .into(),
                    ));
                }
                let region = cx.resolve(field, "region", r, &names)?;
                (0..carriers.len())
                    .filter(|&c| carriers[c].region == Some(region))
                    .map(Unit::Carrier)
                    .collect()
            }
            Target::Fleet(_) | Target::FleetShare { .. } => {
                return Err(cx.error(
                    field,
                    "only a common cause takes down a fleet's devices".into(),
                    "name the fleet in a common cause: common_causes: [CommonCause(id: \"storm\", takes_down: [Fleet(\"meters\")], outages: ...)]".into(),
                ));
            }
        };
        if units.is_empty() {
            return Err(cx.error(
                field,
                "this target has no gateways to take down".into(),
                "a site outage takes down the gateways standing there; add one or drop it".into(),
            ));
        }
        Ok(units)
    };

    let mut causes = Vec::with_capacity(s.common_causes.len());
    for (i, c) in s.common_causes.iter().enumerate() {
        let here = format!("common_causes[{i}]");
        if c.takes_down.is_empty() {
            return Err(cx.error(
                &format!("{here}.takes_down"),
                format!("common cause \"{}\" takes nothing down", c.id),
                "list what fails together, e.g. takes_down: [Carrier(\"a\"), Site(\"plant\")]"
                    .into(),
            ));
        }
        let mut all = vec![];
        let mut hits: Vec<FleetHit> = vec![];
        for (k, t) in c.takes_down.iter().enumerate() {
            let field = format!("{here}.takes_down[{k}]");
            if let Some(hit) = fleet_hit(&cx, &field, t, &fleet_ids, &fleets)? {
                if hits.iter().any(|h| h.fleet == hit.fleet) {
                    return Err(cx.error(
                        &field,
                        format!(
                            "common cause \"{}\" names fleet \"{}\" twice",
                            c.id, fleet_ids[hit.fleet]
                        ),
                        "name each fleet once, with the share of its devices one strike takes down"
                            .into(),
                    ));
                }
                hits.push(hit);
                continue;
            }
            for u in units(&field, t)? {
                if !all.contains(&u) {
                    all.push(u);
                }
            }
        }
        causes.push(CauseSpec {
            id: c.id.clone(),
            key: name_key("cause", &c.id),
            units: all,
            fleets: hits,
            outages: cx.outages(&format!("{here}.outages"), &c.outages)?,
        });
    }

    let mut faults = Vec::with_capacity(s.faults.len());
    for (i, m) in s.maintenance.iter().enumerate() {
        let here = format!("maintenance[{i}]");
        if m.every.ticks() == 0 || m.lasting.ticks() == 0 {
            let field = if m.every.ticks() == 0 {
                "every"
            } else {
                "lasting"
            };
            return Err(cx.error(
                &format!("{here}.{field}"),
                format!("a maintenance window's `{field}` is 0s"),
                "e.g. Maintenance(target: Carrier(\"lte\"), first: \"6d 02:00\", every: \"28d\", lasting: \"2h\")".into(),
            ));
        }
        let windows = s.horizon.ticks().saturating_sub(m.first.ticks()) / m.every.ticks() + 1;
        if windows > MAX_WINDOWS {
            return Err(cx.error(
                &format!("{here}.every"),
                format!(
                    "{windows} maintenance windows over the horizon is more than {MAX_WINDOWS}"
                ),
                "maintenance recurs every few days or weeks; lengthen `every`".into(),
            ));
        }
        let targets = units(&format!("{here}.target"), &m.target)?;
        let mut at = m.first.ticks();
        while at < s.horizon.ticks() {
            for &u in &targets {
                faults.push(FaultSpec {
                    target: FaultTarget::Down(u),
                    at,
                    lasting: m.lasting.ticks(),
                });
            }
            at = at.saturating_add(m.every.ticks());
        }
    }
    for (i, fault) in s.faults.iter().enumerate() {
        let here = format!("faults[{i}]");
        let (targets, at, lasting) = match fault {
            Fault::CarrierDown {
                carrier,
                at,
                lasting,
            } => {
                let c = cx.resolve(&format!("{here}.carrier"), "carrier", carrier, &carrier_ids)?;
                (vec![FaultTarget::Down(Unit::Carrier(c))], at, lasting)
            }
            Fault::GatewayDown {
                gateway,
                at,
                lasting,
            } => {
                let g = cx.resolve(&format!("{here}.gateway"), "gateway", gateway, &gateway_ids)?;
                (vec![FaultTarget::Down(Unit::Gateway(g))], at, lasting)
            }
            Fault::Down {
                target,
                at,
                lasting,
            } => {
                let down = units(&format!("{here}.target"), target)?;
                (
                    down.into_iter().map(FaultTarget::Down).collect(),
                    at,
                    lasting,
                )
            }
            Fault::LinkDegraded {
                link,
                at,
                lasting,
                loss,
            } => {
                let target = match link {
                    LinkRef::Access(fleet) => FaultTarget::AccessLink {
                        fleet: cx.resolve(&format!("{here}.link"), "fleet", fleet, &fleet_ids)?,
                        loss: loss.0,
                    },
                    LinkRef::Uplink { gateway, carrier } => {
                        let g = cx.resolve(
                            &format!("{here}.link.gateway"),
                            "gateway",
                            gateway,
                            &gateway_ids,
                        )?;
                        let c = cx.resolve(
                            &format!("{here}.link.carrier"),
                            "carrier",
                            carrier,
                            &carrier_ids,
                        )?;
                        let Some(u) = gateways[g].uplinks.iter().position(|u| u.carrier == c)
                        else {
                            return Err(cx.error(
                                &format!("{here}.link.carrier"),
                                format!(
                                    "gateway \"{gateway}\" has no uplink through \"{carrier}\""
                                ),
                                "name one of the carriers in the gateway's `uplinks`".into(),
                            ));
                        };
                        FaultTarget::Uplink {
                            gateway: g,
                            uplink: u,
                            loss: loss.0,
                        }
                    }
                };
                (vec![target], at, lasting)
            }
        };
        if at.ticks() >= s.horizon.ticks() {
            return Err(cx.error(
                &format!("{here}.at"),
                format!(
                    "the fault starts at {at}, at or after the horizon {}: it would never happen",
                    s.horizon
                ),
                "schedule it within the horizon, or lengthen the horizon".into(),
            ));
        }
        if lasting.ticks() == 0 {
            return Err(cx.error(
                &format!("{here}.lasting"),
                "a fault lasting 0s does nothing".into(),
                "give it a length, e.g. lasting: \"2h\"".into(),
            ));
        }
        for target in targets {
            faults.push(FaultSpec {
                target,
                at: at.ticks(),
                lasting: lasting.ticks(),
            });
        }
    }

    let mut expectations = Vec::with_capacity(s.expect.len());
    for (i, e) in s.expect.iter().enumerate() {
        let (metric, bound, value) = match e {
            Expect::AtLeast { metric, value } => (metric, Bound::AtLeast, *value),
            Expect::AtMost { metric, value } => (metric, Bound::AtMost, *value),
        };
        let field = format!("expect[{i}].metric");
        if !value.is_finite() {
            return Err(cx.error(
                &format!("expect[{i}].value"),
                format!("expected a finite number, found {value}"),
                "e.g. AtLeast(metric: \"data_completeness\", value: 0.999)".into(),
            ));
        }
        let location =
            Diagnostic::at_field(source, file, map, &field, String::new(), String::new());
        expectations.push(Expectation {
            metric: metric.clone(),
            bound,
            value,
            location,
        });
    }

    let costs = s
        .costs
        .as_ref()
        .map(|c| costs(&cx, c, &gateways, &fleets, &groups, &ids))
        .transpose()?;

    let mut campaigns = Vec::with_capacity(s.firmware.len());
    for (i, c) in s.firmware.iter().enumerate() {
        let here = format!("firmware[{i}]");
        let fleet = cx.resolve(&format!("{here}.fleet"), "fleet", &c.fleet, &fleet_ids)?;
        campaigns.push(CampaignSpec {
            key: name_key("firmware", &format!("{}#{i}", c.fleet)),
            fleet,
            start: c.start.ticks(),
            waves: c.waves.0.min(fleets[fleet].count),
            wave_every: c.wave_every.ticks(),
            brick: c.brick.0,
            recover: c.recover.0,
            rollback_time: c
                .rollback_time
                .as_ref()
                .map(|d| cx.dist(&format!("{here}.rollback_time"), d))
                .transpose()?,
            repair: cx.dist(&format!("{here}.repair"), &c.repair)?,
            halt_above: c.halt_above.map(|p| p.0),
            from: c.from.iter().filter_map(|v| versions.get(v)).collect(),
            to: c.to.as_deref().and_then(|v| versions.get(v)),
        });
    }
    campaigns_find_their_versions(&cx, &s, &fleets, inventory.as_ref(), &versions)?;

    let (crews, crew_of_site) = crews(&cx, &s, &site_ids)?;

    Ok(Deployment {
        name: s.name,
        description: s.description,
        horizon: s.horizon.ticks(),
        warmup: s.warmup.map_or(0, |w| w.ticks()),
        mission_times: s.mission_times,
        seed: s.seed,
        replications: s.replications.0,
        deadline: s.deadline.ticks(),
        sites: s.sites.into_iter().map(|x| x.id).collect(),
        regions,
        carriers,
        gateways,
        fleets,
        groups,
        causes,
        faults,
        expectations,
        costs,
        campaigns,
        crews,
        crew_of_site,
        source_hash: name_key("scenario", source),
        inventory,
        firmware_versions: versions.names,
    })
}

/// The firmware version table of a scenario: fleets' default versions, then campaigns'
/// `from` and `to`, in order of first mention (an inventory adds its own after them).
fn firmware_versions(cx: &Ctx<'_>, s: &Scenario) -> Result<Versions, ScenarioError> {
    let mut versions = Versions::default();
    let named = s.fleets.iter().enumerate().filter_map(|(i, f)| {
        Some((
            format!("fleets[{i}].firmware_version"),
            f.firmware_version.as_ref()?,
        ))
    });
    let campaigns = s.firmware.iter().enumerate().flat_map(|(i, c)| {
        let from = c
            .from
            .iter()
            .enumerate()
            .map(move |(k, v)| (format!("firmware[{i}].from[{k}]"), v));
        from.chain(c.to.iter().map(move |v| (format!("firmware[{i}].to"), v)))
    });
    for (field, name) in named.chain(campaigns) {
        if versions.index(name).is_none() {
            return Err(cx.error(
                &field,
                format!("more than {MAX_VERSIONS} firmware versions"),
                "a scenario tells at most 65,535 versions apart".into(),
            ));
        }
    }
    Ok(versions)
}

/// Refuses a campaign `from` version no device of its fleet can be on when the campaign
/// starts (not its default, not in the inventory, not the `to` of an earlier campaign of the
/// fleet): a typo would otherwise update nothing, silently.
fn campaigns_find_their_versions(
    cx: &Ctx<'_>,
    s: &Scenario,
    fleets: &[FleetSpec],
    start: Option<&super::inventory::Start>,
    versions: &Versions,
) -> Result<(), ScenarioError> {
    let mut held: Vec<std::collections::BTreeSet<u16>> = fleets
        .iter()
        .enumerate()
        .map(|(f, spec)| {
            let runs = start.map_or(&[][..], |st| st.fleets[f].as_slice());
            let listed = runs.iter().filter_map(|r| r.state.firmware);
            spec.firmware_version.into_iter().chain(listed).collect()
        })
        .collect();
    let mut order: Vec<usize> = (0..s.firmware.len()).collect();
    order.sort_by_key(|&i| s.firmware[i].start.ticks());
    for i in order {
        let c = &s.firmware[i];
        let Some(f) = fleets.iter().position(|x| x.id == c.fleet) else {
            continue;
        };
        for (k, name) in c.from.iter().enumerate() {
            if versions.get(name).is_some_and(|v| held[f].contains(&v)) {
                continue;
            }
            let on: Vec<&str> = held[f]
                .iter()
                .map(|&v| versions.names[v as usize].as_str())
                .collect();
            let hint = match closest(name, on.iter().copied()) {
                Some(guess) => format!("did you mean \"{guess}\"?"),
                None if on.is_empty() => format!(
                    "fleet \"{}\" has no known version: give it firmware_version, or list \
                     each device's in the inventory's `firmware` column",
                    c.fleet
                ),
                None => format!("its devices can be on: {}", on.join(", ")),
            };
            return Err(cx.error(
                &format!("firmware[{i}].from[{k}]"),
                format!(
                    "no device of fleet \"{}\" is on firmware \"{name}\" when the campaign starts",
                    c.fleet
                ),
                hint,
            ));
        }
        if let Some(to) = c.to.as_deref().and_then(|v| versions.get(v)) {
            held[f].insert(to);
        }
    }
    Ok(())
}

/// Refuses mission times that are zero, repeated, or longer than the measured window (horizon
/// minus warm-up): R(t) needs every replication observed up to t.
fn mission_times(cx: &Ctx<'_>, s: &Scenario) -> Result<(), ScenarioError> {
    let window = s.horizon.ticks() - s.warmup.map_or(0, |w| w.ticks());
    for (i, t) in s.mission_times.iter().enumerate() {
        let field = format!("mission_times[{i}]");
        if t.ticks() == 0 {
            return Err(cx.error(
                &field,
                "a mission time of 0 is not a mission".into(),
                "list the mission lengths whose reliability you want, e.g. mission_times: [\"1y\", \"5y\"]".into(),
            ));
        }
        if t.ticks() > window {
            return Err(cx.error(
                &field,
                format!(
                    "the mission time {t} is longer than the measured window {} (horizon minus warm-up)",
                    crate::engine::Duration(window)
                ),
                format!("lengthen the horizon to at least {t} plus the warm-up, or shorten the mission"),
            ));
        }
        if s.mission_times[..i].iter().any(|u| u.ticks() == t.ticks()) {
            return Err(cx.error(
                &field,
                format!("the mission time {t} is listed twice"),
                "list each mission length once".into(),
            ));
        }
    }
    Ok(())
}

/// A common cause's target on a fleet (`Fleet`, `FleetShare`), resolved; `None` for a target
/// that names network units. Fleets on their own SIMs are refused: their readings wait on the
/// SIM's own service, which a cause's hold does not yet feed.
fn fleet_hit(
    cx: &Ctx<'_>,
    field: &str,
    target: &Target,
    fleet_ids: &[&str],
    fleets: &[FleetSpec],
) -> Result<Option<FleetHit>, ScenarioError> {
    let (name, share) = match target {
        Target::Fleet(name) => (name, 1.0),
        Target::FleetShare { fleet, share } => (fleet, share.0),
        _ => return Ok(None),
    };
    let fleet = cx.resolve(field, "fleet", name, fleet_ids)?;
    if fleets[fleet].cellular.is_some() {
        return Err(cx.error(
            field,
            format!(
                "fleet \"{name}\" is on its own SIMs, which a common cause cannot take down yet"
            ),
            "take down its carriers instead: takes_down: [Carrier(\"...\")]".into(),
        ));
    }
    Ok(Some(FleetHit { fleet, share }))
}

/// Reads the scenario's inventory (`path` relative to the scenario file) and compiles it for
/// a run starting on `as_of`: each listed fleet's count becomes the inventory's.
fn start_from_inventory(
    cx: &Ctx<'_>,
    path: &str,
    as_of: Option<&str>,
    s: &Scenario,
    fleets: &mut [FleetSpec],
    places: &[(&str, Vec<&str>)],
    versions: &mut Versions,
) -> Result<super::inventory::Start, ScenarioError> {
    use super::inventory::{FleetFacts, load_start};
    use super::table::{DATE_HINT, TableError, parse_time};
    let Some(as_of) = as_of else {
        return Err(cx.error(
            "inventory",
            "an inventory needs the date it describes".into(),
            "add as_of: \"2026-01-01\" beside inventory (time 0 of the run)".into(),
        ));
    };
    let as_of = parse_time(as_of).map_err(|m| cx.error("as_of", m, DATE_HINT.into()))?;
    let facts: Vec<FleetFacts<'_>> = fleets
        .iter()
        .zip(&s.fleets)
        .zip(places)
        .map(|((f, written), (site, carriers))| FleetFacts {
            id: &f.id,
            listed_as: written.listed_as.as_deref().unwrap_or(&f.id),
            site,
            carriers,
            cellular: f.cellular.is_some(),
            battery: f.life.battery.is_some(),
            certificate: f.certificate.is_some(),
            repairs: f.failure.is_some(),
            campaigns: s.firmware.iter().any(|c| c.fleet == f.id),
        })
        .collect();
    // Relative to the scenario; a sweep point's file name ends in a label after a space.
    let scenario = Path::new(cx.file.split(" [sweep point").next().unwrap_or(cx.file));
    let full = scenario.parent().unwrap_or(Path::new("")).join(path);
    let start = load_start(&full, as_of, &facts, versions).map_err(|e| match e {
        TableError::Invalid(d) => ScenarioError::Invalid(d),
        TableError::Io { message, .. } => cx.error(
            "inventory",
            format!("cannot read inventory {}: {message}", full.display()),
            "the path is relative to the scenario file".into(),
        ),
    })?;
    let mut devices: u64 = 0;
    for (i, fleet) in fleets.iter_mut().enumerate() {
        if let Some(count) = start.count(i) {
            fleet.count = count;
            fleet.stop_when_dead = s.fleets[i]
                .stop_when_dead
                .map(|share| dead_to_stop(share.0, count));
        }
        devices += fleet.count as u64;
    }
    if devices > MAX_DEVICES {
        return Err(cx.error(
            "inventory",
            format!("{devices} devices in all is more than one run can hold ({MAX_DEVICES})"),
            "split the fleet into several scenarios".into(),
        ));
    }
    Ok(start)
}

/// Compiles the `crews` list: sites resolved (each in at most one crew), laws compiled.
fn crews(
    cx: &Ctx,
    s: &Scenario,
    site_ids: &[&str],
) -> Result<(Vec<CrewSpec>, Vec<Option<usize>>), ScenarioError> {
    let crew_ids: Vec<&str> = s.crews.iter().map(|c| c.id.as_str()).collect();
    cx.unique_ids("crews", "crew", &crew_ids)?;
    let mut crew_of_site: Vec<Option<usize>> = vec![None; site_ids.len()];
    let mut crews = Vec::with_capacity(s.crews.len());
    for (i, c) in s.crews.iter().enumerate() {
        let here = format!("crews[{i}]");
        if c.sites.is_empty() {
            return Err(cx.error(
                &format!("{here}.sites"),
                format!("crew \"{}\" serves no site", c.id),
                format!(
                    "list the sites it repairs, e.g. sites: [\"{}\"]",
                    site_ids.first().unwrap_or(&"plant")
                ),
            ));
        }
        let mut sites = Vec::with_capacity(c.sites.len());
        for (k, site) in c.sites.iter().enumerate() {
            let field = format!("{here}.sites[{k}]");
            let at = cx.resolve(&field, "site", site, site_ids)?;
            if let Some(other) = crew_of_site[at] {
                return Err(cx.error(
                    &field,
                    format!(
                        "site \"{site}\" is already served by crew \"{}\"",
                        crew_ids[other]
                    ),
                    "a site belongs to at most one crew: remove it from one of them (a crew may \
                     serve several sites)"
                        .into(),
                ));
            }
            crew_of_site[at] = Some(i);
            sites.push(at);
        }
        let spares = c
            .spares
            .as_ref()
            .map(|p| -> Result<SparesSpec, ScenarioError> {
                Ok(SparesSpec {
                    stock: p.stock,
                    lead_time: cx.dist(&format!("{here}.spares.lead_time"), &p.lead_time)?,
                })
            })
            .transpose()?;
        crews.push(CrewSpec {
            id: c.id.clone(),
            key: name_key("crew", &c.id),
            sites,
            technicians: c.technicians.0,
            travel: cx.dist(&format!("{here}.travel"), &c.travel)?,
            spares,
            cost_per_year: c.cost_per_year.0,
        });
    }
    Ok((crews, crew_of_site))
}

/// The ids a `costs` block may name.
struct Ids<'a> {
    carriers: &'a [&'a str],
    gateways: &'a [&'a str],
    fleets: &'a [&'a str],
}

/// Compiles the `costs` block: ids to indices, SIMs counted, per-carrier message sizes.
fn costs(
    cx: &Ctx,
    c: &Costs,
    gateways: &[GatewaySpec],
    fleets: &[FleetSpec],
    groups: &[GroupSpec],
    ids: &Ids,
) -> Result<CostSpec, ScenarioError> {
    let currency = &c.currency;
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(cx.error(
            "costs.currency",
            format!("\"{currency}\" is not a currency code"),
            "write an ISO 4217 code in capitals, e.g. currency: \"EUR\" or \"USD\"".into(),
        ));
    }
    let mut devices = vec![DeviceCostSpec::default(); fleets.len()];
    let mut priced = vec![None; fleets.len()];
    for (i, d) in c.devices.iter().enumerate() {
        let here = format!("costs.devices[{i}]");
        let f = cx.resolve(&format!("{here}.fleet"), "fleet", &d.fleet, ids.fleets)?;
        if let Some(first) = priced[f] {
            return Err(cx.error(
                &format!("{here}.fleet"),
                format!(
                    "fleet \"{}\" is priced twice (also by costs.devices[{first}])",
                    d.fleet
                ),
                "give each fleet one DeviceCost".into(),
            ));
        }
        priced[f] = Some(i);
        if d.battery_life.is_some_and(|l| l.ticks() == 0) {
            return Err(cx.error(
                &format!("{here}.battery_life"),
                "a battery life of 0s".into(),
                "e.g. battery_life: \"5y\", or leave it out for mains-powered devices".into(),
            ));
        }
        devices[f] = DeviceCostSpec {
            hardware: d.hardware.0,
            install: d.install.0,
            parts: d.parts.map_or(d.hardware.0, |p| p.0),
            battery_swap: d.battery_swap.0,
            battery_life: d.battery_life.map(|l| l.ticks()),
        };
    }

    let default = match &c.gateway {
        Some(g) if g.gateway.is_some() => {
            return Err(cx.error(
                "costs.gateway.gateway",
                "the default gateway price names a gateway".into(),
                "`gateway` prices every gateway; price one gateway in `gateways: [GatewayCost(gateway: \"gw\", ...)]`".into(),
            ));
        }
        Some(g) => GatewayCostSpec {
            hardware: g.hardware.0,
            install: g.install.0,
            parts: g.parts.map_or(g.hardware.0, |p| p.0),
        },
        None => GatewayCostSpec::default(),
    };
    let mut gateway_costs = vec![default; gateways.len()];
    let mut priced = vec![None; gateways.len()];
    for (i, g) in c.gateways.iter().enumerate() {
        let here = format!("costs.gateways[{i}]");
        let Some(id) = &g.gateway else {
            return Err(cx.error(
                &here,
                "a per-gateway price without `gateway`".into(),
                "name the gateway, e.g. GatewayCost(gateway: \"gw\", hardware: 900.0), or put a price for every gateway in `gateway: GatewayCost(...)`".into(),
            ));
        };
        let k = cx.resolve(&format!("{here}.gateway"), "gateway", id, ids.gateways)?;
        if let Some(first) = priced[k] {
            return Err(cx.error(
                &format!("{here}.gateway"),
                format!("gateway \"{id}\" is priced twice (also by costs.gateways[{first}])"),
                "give each gateway one GatewayCost".into(),
            ));
        }
        priced[k] = Some(i);
        gateway_costs[k] = GatewayCostSpec {
            hardware: g.hardware.0,
            install: g.install.0,
            parts: g.parts.map_or(g.hardware.0, |p| p.0),
        };
    }

    let carriers = ids.carriers.len();
    let mut plan_of_carrier: Vec<Option<usize>> = vec![None; carriers];
    let mut plans = Vec::with_capacity(c.plans.len());
    for (i, p) in c.plans.iter().enumerate() {
        let here = format!("costs.plans[{i}]");
        let mut covered = vec![];
        let named = std::iter::once((format!("{here}.carrier"), &p.carrier)).chain(
            p.also
                .iter()
                .enumerate()
                .map(|(k, a)| (format!("{here}.also[{k}]"), a)),
        );
        for (field, id) in named {
            let k = cx.resolve(&field, "carrier", id, ids.carriers)?;
            if let Some(other) = plan_of_carrier[k] {
                return Err(cx.error(
                    &field,
                    format!("carrier \"{id}\" is already billed by costs.plans[{other}]"),
                    "a carrier belongs to one plan; a multi-carrier SIM lists the others in `also`"
                        .into(),
                ));
            }
            plan_of_carrier[k] = Some(i);
            covered.push(k);
        }
        let users = gateways
            .iter()
            .filter(|g| g.uplinks.iter().any(|u| covered.contains(&u.carrier)));
        let sims = if p.per_site {
            let mut sites: Vec<usize> = users.map(|g| g.site).collect();
            sites.sort_unstable();
            sites.dedup();
            sites.len()
        } else {
            users.count()
        } as u32;
        // Devices on their own SIMs: the plan bills one active SIM (or profile) per device
        // whose first carrier it covers, and one dormant profile per device with only a
        // fallback carrier on it; each eSIM profile on it is downloaded once.
        let (mut device_sims, mut dormant_profiles, mut downloads) = (0u64, 0u64, 0u64);
        for f in fleets.iter() {
            let Some(cell) = &f.cellular else { continue };
            let count = f.count as u64;
            let here: Vec<usize> = cell
                .profiles
                .iter()
                .copied()
                .filter(|k| covered.contains(k))
                .collect();
            if here.is_empty() {
                continue;
            }
            if here.contains(&cell.profiles[0]) {
                device_sims += count;
            } else {
                dormant_profiles += count;
            }
            if cell.kind == SimKind::Esim {
                downloads += count * here.len() as u64;
            }
        }
        plans.push(PlanSpec {
            carriers: covered,
            sims,
            per_sim_month: p.per_sim_month.0,
            per_mb: p.per_mb.0,
            activation: p.activation.0,
            device_sims,
            dormant_profiles,
            downloads,
            dormant_profile_month: p.dormant_profile_month.map_or(p.per_sim_month.0, |d| d.0),
            profile_download: p.profile_download.0,
            per_switch: p.per_switch.0,
            platform_per_device_month: p.platform_per_device_month.0,
            included_mb_month: p.included_mb_month.0,
            overage_per_mb: p.overage_per_mb.0,
        });
    }

    // Per carrier, the rate-weighted mean message size of the fleets that may use it.
    let rate = |f: &FleetSpec| f.count as f64 / f.report.mean().max(1.0);
    // A fleet that names its protocol already has its overhead in `message_bytes`; the others
    // get the cost block's `protocol_overhead_bytes`.
    let billed = |f: &FleetSpec| {
        f.message_bytes as f64
            + if f.protocol.is_some() {
                0.0
            } else {
                c.protocol_overhead_bytes.0
            }
    };
    let weighted = |fs: &mut dyn Iterator<Item = &FleetSpec>| {
        let (bytes, rates) = fs.fold((0.0, 0.0), |(b, r), f| {
            (b + rate(f) * billed(f), r + rate(f))
        });
        (rates > 0.0).then(|| bytes / rates)
    };
    let overall = weighted(&mut fleets.iter()).unwrap_or(0.0);
    let carrier_message_bytes = (0..carriers)
        .map(|k| {
            let mut using = fleets.iter().filter(|f| {
                groups[f.group]
                    .members
                    .iter()
                    .any(|&g| gateways[g].uplinks.iter().any(|u| u.carrier == k))
            });
            weighted(&mut using).unwrap_or(overall)
        })
        .collect();

    let fleet_message_bytes = fleets.iter().map(billed).collect();
    Ok(CostSpec {
        currency: currency.clone(),
        fleet_message_bytes,
        discount_rate: c.discount_rate.0,
        devices,
        gateways: gateway_costs,
        plans,
        plan_of_carrier,
        carrier_message_bytes,
        per_million_messages: c.per_million_messages.0,
        repair_visit: c.repairs.truck_roll.0 + c.repairs.labour_hour.0 * c.repairs.repair_hours.0,
        downtime_per_site_hour: c.downtime_per_site_hour.0,
        sla: c.sla.as_ref().map(|s| SlaSpec {
            availability: s.availability.0,
            penalty: s.penalty.0,
        }),
    })
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
fn dead_to_stop(share: f64, count: u32) -> u32 {
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
