//! What goes down: scheduled faults, common causes and maintenance windows, the targets
//! they name, and outage laws.

use serde::{Deserialize, Serialize};

use super::super::values::{Dist, Probability, Share};
use crate::engine::Duration;

/// A fault that happens at a set time in every replication.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum Fault {
    /// `CarrierDown(carrier: "lte", at: "3d 02:00", lasting: "2h")`
    CarrierDown {
        carrier: String,
        at: Duration,
        lasting: Duration,
    },
    /// `GatewayDown(gateway: "gw1", at: "10d", lasting: "8h")`: a crash, then a restart.
    GatewayDown {
        gateway: String,
        at: Duration,
        lasting: Duration,
    },
    /// `Down(target: Site("plant"), at: "5d", lasting: "4h")`: any unit or group of units.
    Down {
        target: Target,
        at: Duration,
        lasting: Duration,
    },
    /// `LinkDegraded(link: Access("sensors"), at: "2d", lasting: "6h", loss: 0.3)`: the link
    /// stays up but loses this share of messages on top of its own loss.
    LinkDegraded {
        link: LinkRef,
        at: Duration,
        lasting: Duration,
        loss: Probability,
    },
}

/// Units an outage or a fault takes down.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub enum Target {
    Carrier(String),
    Gateway(String),
    /// Every gateway at the site (a site power cut).
    Site(String),
    /// Every carrier in the region.
    Region(String),
    /// Every device of the fleet (common causes only): a fleet-wide common-cause failure, the
    /// β-factor model's common event.
    Fleet(String),
    /// `FleetShare(fleet: "meters", share: 0.1)` (common causes only): each time the cause
    /// strikes, each device of the fleet is taken down with probability `share`, by its own
    /// draw, and stays down until the cause clears.
    FleetShare {
        fleet: String,
        share: Share,
    },
}

/// A link named for a degradation fault.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum LinkRef {
    /// The access link of a fleet: `Access("sensors")`.
    Access(String),
    /// A gateway's uplink through a carrier: `Uplink(gateway: "gw1", carrier: "lte")`.
    Uplink { gateway: String, carrier: String },
}

/// A random outage process shared by several units: when it is down, all of them are.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CommonCause {
    pub id: String,
    pub takes_down: Vec<Target>,
    pub outages: Outages,
}

/// Planned downtime: `Maintenance(target: Carrier("lte"), first: "6d 02:00", every: "28d",
/// lasting: "2h")` takes the target down for `lasting` at `first`, `first + every`, ...
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Maintenance {
    pub target: Target,
    pub first: Duration,
    pub every: Duration,
    pub lasting: Duration,
}

/// An alternating up/down process: up for a draw of `every`, then down for a draw of `lasting`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Outages {
    /// Time between the end of one outage and the start of the next.
    pub every: Dist,
    /// Length of one outage.
    pub lasting: Dist,
}
