//! A fleet: devices of one kind at one site, how they report, through what, and how they
//! fail.

use serde::{Deserialize, Serialize};

use super::super::catalog::Link;
use super::super::cellular::Connectivity;
use super::super::devices::{DeviceClass, Environment, Protocol};
use super::super::values::{Count, Dist, Failure, Share};
use super::lifecycle::{Certificate, Degradation, Power, Replace, Standby};
use super::lora::LoRa;

/// Devices of one kind at one site, all reporting to one gateway, or each attached to carriers
/// on its own SIM (`connectivity`).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Fleet {
    pub id: String,
    pub site: String,
    /// A gateway, or a redundancy group of gateways; absent for a fleet with `connectivity`.
    #[serde(default)]
    pub gateway: Option<String>,
    /// Devices attached straight to carriers, each on its own SIM (no gateway):
    /// `connectivity: Cellular(sim: Esim(profiles: ["op-a", "op-b"]), detection: ...)`.
    #[serde(default)]
    pub connectivity: Option<Connectivity>,
    pub count: Count,
    /// A device class from `iotwin catalog devices` (`class: SmartMeter`): every field below
    /// that the fleet does not write is taken from it.
    #[serde(default)]
    pub class: Option<DeviceClass>,
    /// Time between two reports of one device (from the class if absent; required without one).
    #[serde(default)]
    pub report: Option<Dist>,
    /// Payload of one reading; protocol overhead is added on the wire. Default: the class's,
    /// else 64 bytes.
    #[serde(default)]
    pub message_bytes: Option<u32>,
    /// The application protocol: its overhead bytes are added to every message on the wire
    /// and in billed data. Default: the class's, else `Raw` (nothing added).
    #[serde(default)]
    pub protocol: Option<Protocol>,
    /// Where the devices are installed; lifetimes are divided by its factor. Default: the
    /// class's, else `Indoor` (factor 1).
    #[serde(default)]
    pub environment: Option<Environment>,
    /// `Mains` or `Battery(...)`. Default: the class's, else mains.
    #[serde(default)]
    pub power: Option<Power>,
    /// How old the devices already are when the simulation starts (a fleet installed over
    /// the years before): each device's age is a draw of this law. Default: new.
    #[serde(default)]
    pub age: Option<Dist>,
    /// Planned replacement of every device when it reaches this age (age replacement); a
    /// failed device is replaced by a new one, so its age starts again. Default: none.
    #[serde(default)]
    pub replace: Option<Replace>,
    /// Cold spares per device: when the unit in service fails, a spare that has not aged takes
    /// over at once; the device is down only when all have failed. Default: 0. The no-repair
    /// special case of standby: the switch always works and takes no time, and failed units
    /// are not repaired while a spare runs (the device is repaired as one once all failed).
    #[serde(default)]
    pub cold_spares: u32,
    /// Standby spares per device, repaired while another unit runs: how many, how they wait
    /// (`Hot`, `Warm(factor)`, `Cold`), the switch's coverage and time. Default: none.
    #[serde(default)]
    pub standby: Option<Standby>,
    /// Device certificates that expire and must be rotated; none if absent.
    #[serde(default)]
    pub certificate: Option<Certificate>,
    /// The radio or wire from device to gateway.
    #[serde(default)]
    pub link: Link,
    /// Readings a device keeps while it cannot reach a gateway (its gateway is down, or its
    /// redundancy group has none in use), sent when one is back; 0 (the default) keeps none.
    #[serde(default)]
    pub buffer_messages: u64,
    /// A shared LoRa channel: transmissions of all LoRa fleets at the site with the same
    /// spreading factor and channel collide (unslotted ALOHA), and each device keeps the
    /// regional duty cycle.
    #[serde(default)]
    pub lora: Option<LoRa>,
    /// The devices' failures and repairs; none if absent.
    #[serde(default)]
    pub failure: Option<Failure>,
    /// How the sensors go wrong before they fail: a degraded device still reports, but its
    /// readings are out of accuracy (or some are lost), until it is repaired or replaced.
    /// Default: never.
    #[serde(default)]
    pub degradation: Option<Degradation>,
    /// End the replication at the first instant when at least this share of the fleet's
    /// devices is dead: down, whatever the reason (a flat battery, a failure awaiting or under
    /// repair, a planned replacement's downtime). `stop_when_dead: 0.5` runs each replication
    /// until half the fleet is down at once; every metric is then over that span. Default:
    /// never (run to the horizon).
    #[serde(default)]
    pub stop_when_dead: Option<Share>,
    /// The firmware version of a device the inventory gives none for (or of every device,
    /// without an inventory), matched by campaigns' `from`. Default: unknown.
    #[serde(default)]
    pub firmware_version: Option<String>,
    /// The fleet name an inventory lists this fleet's devices under, when several fleets (one
    /// per site) hold one kind of device: a row of `fleet: "meters", site: "north"` goes to the
    /// fleet at site `north` listed as `meters`. Default: the fleet's `id`.
    #[serde(default)]
    pub listed_as: Option<String>,
    /// A k-of-n service level: the fleet is in service while at least this many of its
    /// devices are up and reporting (up, with a path to the cloud); measured as
    /// `k_of_n_availability:<fleet>`. Default: none.
    #[serde(default)]
    pub at_least_up: Option<Count>,
}

/// 64 bytes: a small sensor reading with timestamp and ids, before protocol overhead.
pub const DEFAULT_MESSAGE_BYTES: u32 = 64;
