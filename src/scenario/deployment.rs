//! A checked deployment: plain data addressed by index, ready to simulate.

use crate::engine::{DurationDist, Ticks};

use super::error::Diagnostic;

/// A scenario after every check: ids resolved to indices, durations to ticks, distributions
/// compiled. The model builds its run-time arrays from this.
#[derive(Clone, Debug)]
pub struct Deployment {
    pub name: String,
    pub description: String,
    pub horizon: Ticks,
    pub seed: u64,
    pub replications: u32,
    pub deadline: Ticks,
    pub sites: Vec<String>,
    pub carriers: Vec<CarrierSpec>,
    pub gateways: Vec<GatewaySpec>,
    pub fleets: Vec<FleetSpec>,
    pub faults: Vec<FaultSpec>,
    pub expectations: Vec<Expectation>,
    /// A stable hash of the scenario text, to tie results to their input.
    pub source_hash: u64,
}

impl Deployment {
    pub fn device_count(&self) -> u64 {
        self.fleets.iter().map(|f| f.count as u64).sum()
    }
}

#[derive(Clone, Debug)]
pub struct CarrierSpec {
    pub id: String,
    /// Stable key of the carrier's random streams (from its id).
    pub key: u64,
    /// Up-time and down-time laws of the outage process, if it has one.
    pub outages: Option<FailureSpec>,
}

#[derive(Clone, Debug)]
pub struct GatewaySpec {
    pub id: String,
    pub key: u64,
    pub site: usize,
    pub buffer_messages: u64,
    /// Time to send one buffered message during a drain; `None` drains at once.
    pub drain_interval: Option<Ticks>,
    /// In priority order: the first working one carries traffic.
    pub uplinks: Vec<UplinkSpec>,
    pub failure: Option<FailureSpec>,
}

#[derive(Clone, Debug)]
pub struct UplinkSpec {
    pub carrier: usize,
    pub link: LinkSpec,
}

#[derive(Clone, Debug)]
pub struct LinkSpec {
    /// Loss probability (in the good state, for a bursty link).
    pub loss: f64,
    /// Gilbert-Elliott bursty loss, if the link has it.
    pub burst: Option<BurstSpec>,
    pub latency: DurationDist,
}

#[derive(Clone, Debug)]
pub struct FailureSpec {
    /// Time from start or repair to the next failure.
    pub lifetime: DurationDist,
    /// Time from failure to repair.
    pub repair: DurationDist,
}

#[derive(Clone, Debug)]
pub struct FleetSpec {
    pub id: String,
    pub key: u64,
    pub site: usize,
    pub gateway: usize,
    pub count: u32,
    pub report: DurationDist,
    pub message_bytes: u32,
    pub link: LinkSpec,
    pub failure: Option<FailureSpec>,
}

/// What a scripted fault takes down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultTarget {
    Carrier(usize),
    Gateway(usize),
}

/// A scripted fault: `target` is down from `at` for `lasting`, whatever its random process says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FaultSpec {
    pub target: FaultTarget,
    pub at: Ticks,
    pub lasting: Ticks,
}

/// Which side of the value a metric must stay on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    AtLeast,
    AtMost,
}

/// An assertion from the scenario's `expect` list, with where it was written (metric names are
/// checked against the metrics table above this layer, so its errors are built there).
#[derive(Clone, Debug)]
pub struct Expectation {
    pub metric: String,
    pub bound: Bound,
    pub value: f64,
    /// Where the metric name stands, for an error about it (message and hint left empty).
    pub location: Diagnostic,
}

/// A Gilbert-Elliott channel, per message: switch good → bad with `enter`, bad → good with
/// `leave`, lose a message in the bad state with `loss`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BurstSpec {
    pub enter: f64,
    pub leave: f64,
    pub loss: f64,
}
