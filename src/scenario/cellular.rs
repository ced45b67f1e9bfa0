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

use serde::{Deserialize, Serialize};

use crate::engine::DurationDist;

use super::compile::Ctx;
use super::deployment::SwitchBackSpec;
use super::error::ScenarioError;
use super::types::{Detection, Dist, Probability, SwitchBack};

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
    },
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
        carrier_ids: &[&str],
    ) -> Result<CellularSpec, ScenarioError> {
        let Connectivity::Cellular {
            sim,
            detection,
            switch_time,
            switch_failure,
            switch_back,
            attach,
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
        let mut profiles = Vec::with_capacity(listed.len());
        for (k, id) in listed.iter().enumerate() {
            let here = match kind {
                SimKind::Single => list_field.clone(),
                _ => format!("{list_field}[{k}]"),
            };
            let carrier = self.resolve(&here, "carrier", id, carrier_ids)?;
            if profiles.contains(&carrier) {
                return Err(self.error(
                    &here,
                    format!("carrier \"{id}\" is listed twice on one SIM"),
                    "list each carrier once, in order of preference".into(),
                ));
            }
            profiles.push(carrier);
        }
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
        })
    }
}
