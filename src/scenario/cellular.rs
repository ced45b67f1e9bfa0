//! Cellular devices attached straight to carriers, each on its own SIM: the scenario syntax
//! (`Fleet(connectivity: Cellular(...))`) and its compiled form.
//!
//! A fleet with `connectivity` has no gateway: each device registers with a carrier's network
//! itself, notices a lost service on its own timers and switches profile on its own draws
//! (`model::world::cellular`). Three SIMs, as connectivity managers buy them:
//!
//! - `Single("op-a")`: one carrier; an outage lasts as long as the carrier's.
//! - `MultiImsi(["op-a", "op-b"])`: one SIM whose applet holds several IMSIs and moves to the
//!   next one in order when the one in use loses service (one subscription, one plan).
//! - `Esim(profiles: ["op-a", "op-b"])`: several operator profiles on an eUICC, one enabled at
//!   a time; each profile is its own subscription (an active and a dormant fee), and switching
//!   is steered by the device (`Device`, its own timers) or by the connectivity platform
//!   (`Platform(detection: ...)`: the platform sees a carrier's outage once and tells every
//!   device on it to switch, to a carrier it knows works).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::engine::DurationDist;

use super::compile::Ctx;
use super::deployment::SwitchBackSpec;
use super::error::ScenarioError;
use super::types::{Carrier, Detection, Dist, Probability, SwitchBack};

/// How a fleet's devices reach the cloud without a gateway.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum Connectivity {
    /// Each device on its own SIM, registered with a carrier's cellular network:
    ///
    /// ```ron
    /// connectivity: Cellular(
    ///     sim: Esim(profiles: ["op-a", "op-b"]),
    ///     detection: Heartbeat(every: "15m", misses: 2),
    ///     switch_time: LogNormal(median: "60s", sigma: 0.5),
    ///     switch_failure: 0.05,
    ///     switch_back: HoldDown("1h"),
    ///     attach: Uniform(min: "0s", max: "10m"),
    /// )
    /// ```
    Cellular {
        sim: Sim,
        /// How long a device takes to notice that the network it is on no longer carries its
        /// data (registration lost, heartbeats or confirmable reports unanswered). Drawn per
        /// device and per outage.
        detection: Detection,
        /// Time to move to another carrier (search, attach, PDP context); drawn per device and
        /// per switch. Default: 0s.
        #[serde(default = "zero")]
        switch_time: Dist,
        /// Probability that one switch fails (the device then tries the next carrier in
        /// order). Default: 0.
        #[serde(default)]
        switch_failure: Probability,
        /// When a device on a fallback carrier goes back to its first one. Default:
        /// `Immediate`.
        #[serde(default)]
        switch_back: SwitchBack,
        /// Time to register again once a network serves a device that had found none: after
        /// an outage every waiting device starts at once (the attach storm), each after its
        /// own draw. Default: the `switch_time`.
        #[serde(default)]
        attach: Option<Dist>,
        /// Where the devices are: fixed shares of the fleet per region, or moving between
        /// regions. Without it every device is served wherever its carriers are.
        #[serde(default)]
        regions: Option<Regions>,
        /// Profiles that may not register in some regions (no roaming agreement, permanent
        /// roaming rules): `roaming_barred: {"op-b": ["south"]}`.
        #[serde(default)]
        roaming_barred: BTreeMap<String, Vec<String>>,
        /// Time before a device tries again when the network it registers with has every
        /// attach channel busy (`Carrier(attach_channels: ...)`). Default: 10 s, the retry
        /// timer T3411 of 3GPP TS 24.301 after a failed attach.
        #[serde(default = "t3411")]
        attach_backoff: Dist,
    },
}

/// Where a fleet's devices are, region by region (regions are named on carriers).
#[derive(Clone, Debug, Deserialize, Serialize)]
pub enum Regions {
    /// Installed for good (meters, machines): the share of the fleet in each region, summing
    /// to 1: `Shares({"north": 0.6, "south": 0.4})`. Device k of n is in the region whose
    /// cumulative share first exceeds (k + ½)/n, so the counts are the shares rounded.
    Shares(BTreeMap<String, Probability>),
    /// On the move (trackers): a Markov chain over regions. A device stays in a region for a
    /// draw of its `dwell` law, then moves to another region drawn from its `next` row (the
    /// chance of each next region, summing to 1), and lands at a new place there:
    ///
    /// ```ron
    /// regions: Markov(
    ///     dwell: {"north": Exponential(mean: "2d"), "south": Exponential(mean: "1d")},
    ///     next: {"north": {"south": 1.0}, "south": {"north": 1.0}},
    /// )
    /// ```
    ///
    /// Devices start spread over the regions as the chain's long-run shares of time.
    Markov {
        dwell: BTreeMap<String, Dist>,
        next: BTreeMap<String, BTreeMap<String, Probability>>,
    },
}

/// A fleet's regions, checked: per profile and region, the carrier serving it and the share of
/// places it covers; and how devices are placed (region indices are the deployment's).
#[derive(Clone, Debug)]
pub struct RegionalSpec {
    /// `networks[m][r]`: the carrier profile `m` registers with in region `r` (`None`: no
    /// network of its there, or barred from roaming there).
    pub networks: Vec<Vec<Option<usize>>>,
    /// `coverage[m][r]`: share of region `r`'s places that network serves (0 without one).
    pub coverage: Vec<Vec<f64>>,
    pub placement: Placement,
}

/// How a fleet's devices are placed in regions.
#[derive(Clone, Debug)]
pub enum Placement {
    /// Share of the fleet per region.
    Shares(Vec<f64>),
    /// A semi-Markov chain: per region its dwell law and the chances of the next region;
    /// `start` is the long-run share of time in each region (where devices start).
    Markov {
        dwell: Vec<DurationDist>,
        next: Vec<Vec<f64>>,
        start: Vec<f64>,
    },
}

impl Placement {
    /// Long-run share of device-time in each region: the shares, or for a chain the embedded
    /// chain's stationary distribution weighted by the mean dwell times.
    pub fn time_shares(&self) -> &[f64] {
        match self {
            Placement::Shares(s) => s,
            Placement::Markov { start, .. } => start,
        }
    }
}

/// Stationary distribution of the chain with transition rows `next` (power iteration on the
/// lazy chain ½(I + P), which has the same stationary law and converges for periodic chains).
pub fn stationary(next: &[Vec<f64>]) -> Vec<f64> {
    let n = next.len();
    let mut nu = vec![1.0 / n as f64; n];
    for _ in 0..100_000 {
        let mut out = vec![0.0; n];
        for (i, row) in next.iter().enumerate() {
            out[i] += 0.5 * nu[i];
            for (j, &p) in row.iter().enumerate() {
                out[j] += 0.5 * nu[i] * p;
            }
        }
        let moved: f64 = out.iter().zip(&nu).map(|(a, b)| (a - b).abs()).sum();
        nu = out;
        if moved < 1e-15 {
            break;
        }
    }
    nu
}

fn t3411() -> Dist {
    Dist::Fixed(crate::engine::Duration::from_secs(10))
}

fn zero() -> Dist {
    Dist::Fixed(crate::engine::Duration::ZERO)
}

/// What a device's SIM can register with, in order of preference.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub enum Sim {
    /// One carrier: `Single("op-a")`.
    Single(String),
    /// One SIM with several IMSIs, tried in order: `MultiImsi(["op-a", "op-b"])`.
    MultiImsi(Vec<String>),
    /// An eUICC with operator profiles: `Esim(profiles: ["op-a", "op-b"], steering: Device)`.
    Esim {
        profiles: Vec<String>,
        #[serde(default)]
        steering: Steering,
    },
}

/// Who decides that an eSIM device leaves a failed carrier.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub enum Steering {
    /// The device, on its own timers, switching blind to its next profile.
    #[default]
    Device,
    /// The connectivity platform: it notices a carrier's outage after `detection` (one draw per
    /// outage) and sends every device still on it to the first profile whose carrier works.
    /// Devices also keep their own detection, whichever comes first.
    Platform { detection: Detection },
}

/// The SIM kinds, as the cost model and the reports name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimKind {
    Single,
    MultiImsi,
    Esim,
}

/// A fleet's cellular connectivity, checked: carriers by index.
#[derive(Clone, Debug)]
pub struct CellularSpec {
    pub kind: SimKind,
    /// Carrier indices in order of preference (one for a single-carrier SIM).
    pub profiles: Vec<usize>,
    pub detection: DurationDist,
    pub switch_time: DurationDist,
    pub switch_failure: f64,
    pub switch_back: SwitchBackSpec,
    pub attach: DurationDist,
    /// Platform steering: the platform's detection delay of a carrier outage.
    pub platform: Option<DurationDist>,
    /// Where the devices are and which networks serve them there; `None`: every device is
    /// served by `profiles` wherever it is.
    pub regional: Option<RegionalSpec>,
    /// Wait before trying again when every attach channel of the network is busy.
    pub attach_backoff: DurationDist,
}

impl Sim {
    /// The carrier ids, in order, and the kind.
    pub fn carriers(&self) -> (SimKind, &[String]) {
        match self {
            Sim::Single(c) => (SimKind::Single, std::slice::from_ref(c)),
            Sim::MultiImsi(list) => (SimKind::MultiImsi, list),
            Sim::Esim { profiles, .. } => (SimKind::Esim, profiles),
        }
    }

    /// The field holding the carrier list, for error positions.
    pub fn list_field(&self) -> &'static str {
        match self {
            Sim::Single(_) | Sim::MultiImsi(_) => "",
            Sim::Esim { .. } => ".profiles",
        }
    }
}

/// The most carriers one SIM may list: a device's state keeps its profile in a byte.
pub const MAX_PROFILES: usize = 8;

impl Ctx<'_> {
    /// A fleet's `connectivity`, checked: every carrier known, listed once, at most
    /// [`MAX_PROFILES`] of them.
    pub(super) fn cellular(
        &self,
        field: &str,
        c: &Connectivity,
        carriers: &[Carrier],
        regions: &[String],
    ) -> Result<CellularSpec, ScenarioError> {
        let Connectivity::Cellular {
            sim,
            detection,
            switch_time,
            switch_failure,
            switch_back,
            attach,
            regions: placed,
            roaming_barred,
            attach_backoff,
        } = c;
        let (kind, listed) = sim.carriers();
        let list_field = format!("{field}.sim{}", sim.list_field());
        if listed.is_empty() {
            return Err(self.error(
                &list_field,
                "the SIM lists no carrier".into(),
                "name the carriers it can register with, e.g. MultiImsi([\"op-a\", \"op-b\"])"
                    .into(),
            ));
        }
        if listed.len() > MAX_PROFILES {
            return Err(self.error(
                &list_field,
                format!(
                    "the SIM lists {} carriers, more than the {MAX_PROFILES} a device may hold",
                    listed.len()
                ),
                "multi-IMSI SIMs and eUICCs hold a handful of profiles; keep the ones you would \
                 really provision"
                    .into(),
            ));
        }
        // A SIM names a carrier, or an operator: its network in the device's region.
        let mut names: Vec<&str> = carriers.iter().map(|c| c.id.as_str()).collect();
        let operators_from = names.len();
        // Per operator name (after the carrier ids): its first network, which bills it.
        let mut first_network = vec![];
        for (c, carrier) in carriers.iter().enumerate() {
            if let Some(op) = carrier.operator.as_deref()
                && !names.contains(&op)
            {
                names.push(op);
                first_network.push(c);
            }
        }
        let mut profiles = Vec::with_capacity(listed.len());
        let mut named = Vec::with_capacity(listed.len());
        for (k, id) in listed.iter().enumerate() {
            let here = match kind {
                SimKind::Single => list_field.clone(),
                _ => format!("{list_field}[{k}]"),
            };
            let name = self.resolve(&here, "carrier", id, &names)?;
            // An operator's first network bills it (its plan lists the others in `also`).
            let carrier = if name < operators_from {
                name
            } else {
                first_network[name - operators_from]
            };
            if named.contains(&name) || profiles.contains(&carrier) {
                return Err(self.error(
                    &here,
                    format!("carrier \"{id}\" is listed twice on one SIM"),
                    "list each carrier once, in order of preference".into(),
                ));
            }
            profiles.push(carrier);
            named.push(name);
        }
        let regional = match placed {
            None => None,
            Some(p) => Some(self.regional(
                field,
                p,
                roaming_barred,
                listed,
                &named,
                operators_from,
                carriers,
                regions,
            )?),
        };
        let switch_time = self.dist(&format!("{field}.switch_time"), switch_time)?;
        let platform = match sim {
            Sim::Esim {
                steering: Steering::Platform { detection },
                ..
            } => Some(self.detection(&format!("{field}.sim.steering.detection"), detection)?),
            _ => None,
        };
        Ok(CellularSpec {
            kind,
            profiles,
            detection: self.detection(&format!("{field}.detection"), detection)?,
            attach: match attach {
                Some(a) => self.dist(&format!("{field}.attach"), a)?,
                None => switch_time.clone(),
            },
            switch_time,
            switch_failure: switch_failure.0,
            switch_back: self.switch_back(switch_back),
            platform,
            regional,
            attach_backoff: self.dist(&format!("{field}.attach_backoff"), attach_backoff)?,
        })
    }

    /// A fleet's `regions` and `roaming_barred`, checked against the scenario's regions, and
    /// the network each profile uses in each region.
    #[allow(clippy::too_many_arguments)]
    fn regional(
        &self,
        field: &str,
        placed: &Regions,
        barred: &BTreeMap<String, Vec<String>>,
        listed: &[String],
        named: &[usize],
        operators_from: usize,
        carriers: &[Carrier],
        regions: &[String],
    ) -> Result<RegionalSpec, ScenarioError> {
        let names: Vec<&str> = regions.iter().map(String::as_str).collect();
        let here = format!("{field}.regions");
        let region = |r: &str| -> Result<usize, ScenarioError> {
            if names.is_empty() {
                return Err(self.error(
                    &here,
                    format!("region \"{r}\" is named, but no carrier names a region"),
                    "name regions on carriers: Carrier(id: \"op-a-north\", region: \"north\") \
                     or coverage: {\"north\": 0.97}"
                        .into(),
                ));
            }
            self.resolve(&here, "region", r, &names)
        };
        let n = regions.len();
        if n > u8::MAX as usize {
            return Err(self.error(
                &here,
                format!("the scenario names {n} regions, more than the 255 a device can be in"),
                "group places into fewer regions".into(),
            ));
        }
        let placement = match placed {
            Regions::Shares(shares) => {
                let mut v = vec![0.0; n];
                for (r, share) in shares {
                    v[region(r)?] = share.0;
                }
                let total: f64 = v.iter().sum();
                if (total - 1.0).abs() > 1e-9 {
                    return Err(self.error(
                        &here,
                        format!("the shares of the fleet per region add up to {total}, not 1"),
                        "give each region its share of the devices, e.g. Shares({\"north\": 0.6, \
                         \"south\": 0.4})"
                            .into(),
                    ));
                }
                Placement::Shares(v)
            }
            Regions::Markov { dwell, next } => {
                let mut laws = vec![None; n];
                for (r, law) in dwell {
                    let d = self.dist(&format!("{here}.dwell"), law)?;
                    if d.mean() <= 0.0 {
                        return Err(self.error(
                            &format!("{here}.dwell"),
                            format!("the dwell time in region \"{r}\" is always 0"),
                            "a device stays some time in a region: give a law with a positive \
                             mean, e.g. Exponential(mean: \"1d\")"
                                .into(),
                        ));
                    }
                    laws[region(r)?] = Some(d);
                }
                let mut rows = vec![vec![0.0; n]; n];
                for (from, row) in next {
                    let i = region(from)?;
                    for (to, p) in row {
                        let j = region(to)?;
                        if laws[j].is_none() {
                            return Err(self.error(
                                &format!("{here}.next"),
                                format!("region \"{to}\" is a destination but has no dwell law"),
                                format!("add \"{to}\" to dwell"),
                            ));
                        }
                        rows[i][j] = p.0;
                    }
                }
                for (i, law) in laws.iter().enumerate() {
                    let Some(_) = law else { continue };
                    let total: f64 = rows[i].iter().sum();
                    if (total - 1.0).abs() > 1e-9 {
                        return Err(self.error(
                            &format!("{here}.next"),
                            format!(
                                "the chances of leaving region \"{}\" for each next region add \
                                 up to {total}, not 1",
                                regions[i]
                            ),
                            format!(
                                "give \"{}\" a row of next regions summing to 1, e.g. \
                                 {{\"{}\": 1.0}}",
                                regions[i],
                                regions[(i + 1) % n]
                            ),
                        ));
                    }
                }
                // Regions without a dwell law are not part of the chain: they stay at 0.
                let nu = stationary(&rows);
                let time: Vec<f64> = nu
                    .iter()
                    .zip(&laws)
                    .map(|(p, l)| l.as_ref().map_or(0.0, |l| p * l.mean()))
                    .collect();
                let total: f64 = time.iter().sum();
                let fallback = DurationDist::Fixed(1);
                Placement::Markov {
                    dwell: laws
                        .into_iter()
                        .map(|l| l.unwrap_or_else(|| fallback.clone()))
                        .collect(),
                    next: rows,
                    start: time.iter().map(|t| t / total).collect(),
                }
            }
        };
        let mut networks = vec![vec![None; n]; listed.len()];
        let mut coverage = vec![vec![0.0; n]; listed.len()];
        for (m, &name) in named.iter().enumerate() {
            for r in 0..n {
                let serves = |c: &Carrier| c.region.as_ref().is_none_or(|x| *x == regions[r]);
                let network = if name < operators_from {
                    Some(name).filter(|&c| serves(&carriers[c]))
                } else {
                    let op = Some(listed[m].as_str());
                    let mine = |c: &&Carrier| c.operator.as_deref() == op;
                    // The operator's network of the region, else its national one.
                    carriers
                        .iter()
                        .position(|c| mine(&c) && c.region.as_ref() == Some(&regions[r]))
                        .or_else(|| carriers.iter().position(|c| mine(&c) && c.region.is_none()))
                };
                let Some(c) = network else { continue };
                networks[m][r] = Some(c);
                coverage[m][r] = match &carriers[c].coverage {
                    None => 1.0,
                    Some(map) => map.get(&regions[r]).map_or(0.0, |p| p.0),
                };
            }
        }
        for (profile, where_) in barred {
            let field = format!("{field}.roaming_barred");
            let Some(m) = listed.iter().position(|l| l == profile) else {
                let known: Vec<&str> = listed.iter().map(String::as_str).collect();
                self.resolve(&field, "profile of this SIM", profile, &known)?;
                continue;
            };
            for r in where_ {
                let r = self.resolve(&field, "region", r, &names)?;
                networks[m][r] = None;
                coverage[m][r] = 0.0;
            }
        }
        Ok(RegionalSpec {
            networks,
            coverage,
            placement,
        })
    }
}
