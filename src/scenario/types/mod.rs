//! The scenario file format: serde types for RON.
//!
//! Values that can be wrong on their own (a probability above 1, a duration without a unit, an
//! empty fleet) are checked while they are read, so the error carries the exact line and
//! column. Checks that need the whole file (references between ids, a fleet at one site using a
//! gateway at another) happen in `compile`.

mod costs;
mod crews;
mod fleet;
mod lifecycle;
mod lora;
mod network;
mod outages;
mod software;

use serde::{Deserialize, Serialize};

use crate::engine::Duration;

pub use super::cellular::{Connectivity, Sim, Steering};
// The scenario's values, the link that names a catalogue preset and the battery, re-exported
// so the file format reads as one vocabulary; they live in modules that do not use this one.
pub use super::catalog::Link;
pub use super::values::{
    Amount, Battery, Count, Dist, Failure, GilbertElliott, Positive, Probability, Share, Start,
};
pub use costs::{Costs, DeviceCost, GatewayCost, Plan, Repairs, Sla};
pub use crews::{Crew, Spares};
pub use fleet::{DEFAULT_MESSAGE_BYTES, Fleet};
pub use lifecycle::{
    Certificate, Degradation, DegradationMode, DurationOrLaw, Inspection, Power, Replace, Standby,
    StandbyKind,
};
pub use lora::{LoRa, LoRaAccess, Placement};
pub use network::{
    Carrier, Detection, DropPolicy, Failover, Gateway, Pool, Redundancy, SwitchBack, Uplink,
};
pub use outages::{CommonCause, Fault, LinkRef, Maintenance, Outages, Target};
pub use software::Campaign;

/// A deployment to simulate.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short name, used in reports and as the default output folder.
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Simulated time span of one replication.
    pub horizon: Duration,
    /// Time at the start of each replication left out of every measure, so a run that starts
    /// empty (queues, fresh units) is measured in steady state: `warmup: "1d"`.
    #[serde(default)]
    pub warmup: Option<Duration>,
    /// Mission lengths t at which to report the reliability R(t): the share of replications
    /// in which no site lost a fleet's path to the cloud within t of the mission's start (the
    /// warm-up's end), e.g. `mission_times: ["1y", "5y"]`. Also turns on the time to first
    /// failure (MTTF) metrics.
    #[serde(default)]
    pub mission_times: Vec<Duration>,
    /// Seed of every random stream; a run is a pure function of the scenario and this seed.
    #[serde(default = "default_seed")]
    pub seed: u64,
    #[serde(default = "default_replications")]
    pub replications: Count,
    /// A message delivered later than this after it was generated counts as late.
    #[serde(default = "default_deadline")]
    pub deadline: Duration,
    pub sites: Vec<Site>,
    #[serde(default)]
    pub carriers: Vec<Carrier>,
    /// May be empty when every fleet attaches to carriers itself (`connectivity`).
    #[serde(default)]
    pub gateways: Vec<Gateway>,
    pub fleets: Vec<Fleet>,
    /// Gateways that back each other up; a fleet's `gateway` may name one of these groups.
    #[serde(default)]
    pub redundancy: Vec<Redundancy>,
    /// Random outages that take several units down together (a regional power cut, a shared
    /// core network, a backhoe through a shared duct).
    #[serde(default)]
    pub common_causes: Vec<CommonCause>,
    /// Scheduled maintenance windows: planned, periodic downtime of a unit.
    #[serde(default)]
    pub maintenance: Vec<Maintenance>,
    /// Scripted faults: the same in every replication, while the rest of the world stays random.
    #[serde(default)]
    pub faults: Vec<Fault>,
    /// Firmware update campaigns rolled out in waves.
    #[serde(default)]
    pub firmware: Vec<Campaign>,
    /// Repair crews with a limited number of technicians (and optionally a stock of spare
    /// parts); failed units at a crew's sites queue for it. Sites without a crew are repaired
    /// by an unlimited crew: each failure independently after a draw of its `repair` law.
    #[serde(default)]
    pub crews: Vec<Crew>,
    /// Assertions judged by `iotwin check`.
    #[serde(default)]
    pub expect: Vec<Expect>,
    /// Prices, for the cost metrics (`cost_total`, `cost_npv`, ...); none if absent.
    #[serde(default)]
    pub costs: Option<Costs>,
    /// The fleet as it stands on `as_of` (CSV or JSON lines, relative to the scenario file):
    /// the run starts from it (docs/twin.md).
    #[serde(default)]
    pub inventory: Option<String>,
    /// The inventory's date, time 0 of the run: an ISO date such as `"2026-01-01"`.
    #[serde(default)]
    pub as_of: Option<String>,
}

/// An assertion on a metric's value over the replications, judged with its 95% confidence
/// interval. Ratios are written as fractions: `0.999`, not `99.9`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum Expect {
    /// `AtLeast(metric: "data_completeness", value: 0.999)`
    AtLeast { metric: String, value: f64 },
    /// `AtMost(metric: "lost_buffer_overflow", value: 0)`
    AtMost { metric: String, value: f64 },
}

fn default_seed() -> u64 {
    1
}

fn default_replications() -> Count {
    Count(30)
}

/// Five minutes: a common freshness requirement for industrial telemetry dashboards; override
/// per scenario.
fn default_deadline() -> Duration {
    Duration::from_secs(300)
}

/// A place: a plant, a home, a district.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Site {
    pub id: String,
    #[serde(default)]
    pub description: String,
}
