//! A checked deployment: plain data addressed by index, ready to simulate.

use crate::engine::{DurationDist, Ticks};

use super::cellular::CellularSpec;
use super::devices::Protocol;
use super::error::Diagnostic;
pub use super::types::{DropPolicy, Pool, StandbyKind};

/// A scenario after every check: ids resolved to indices, durations to ticks, distributions
/// compiled. The model builds its run-time arrays from this.
#[derive(Clone, Debug)]
pub struct Deployment {
    pub name: String,
    pub description: String,
    pub horizon: Ticks,
    /// Measures start here (0 without a warm-up); always before the horizon.
    pub warmup: Ticks,
    /// Mission lengths for the reliability R(t) metrics, as written (empty: no mission
    /// metrics).
    pub mission_times: Vec<crate::engine::Duration>,
    pub seed: u64,
    pub replications: u32,
    pub deadline: Ticks,
    pub sites: Vec<String>,
    /// Region names, in order of first mention by a carrier.
    pub regions: Vec<String>,
    pub carriers: Vec<CarrierSpec>,
    pub gateways: Vec<GatewaySpec>,
    pub fleets: Vec<FleetSpec>,
    /// Who serves each fleet: a redundancy group, or a group of one gateway.
    pub groups: Vec<GroupSpec>,
    /// Shared random outages (regional, common-cause).
    pub causes: Vec<CauseSpec>,
    /// Scripted faults and maintenance windows, in the order written.
    pub faults: Vec<FaultSpec>,
    pub expectations: Vec<Expectation>,
    /// Prices, if the scenario has a `costs` block.
    pub costs: Option<CostSpec>,
    /// Firmware update campaigns.
    pub campaigns: Vec<CampaignSpec>,
    /// Repair crews, and per site the crew serving it (`None`: unlimited repairs).
    pub crews: Vec<CrewSpec>,
    pub crew_of_site: Vec<Option<usize>>,
    /// A stable hash of the scenario text, to tie results to their input.
    pub source_hash: u64,
    /// The fleet as it stands on the scenario's `as_of`, if it names an inventory: each
    /// listed device starts in its state (the fleet's `count` is the inventory's).
    pub inventory: Option<super::inventory::Start>,
    /// Every firmware version named (fleets' defaults, campaigns, then the inventory's), in
    /// order of first mention: devices and campaigns hold a `u16` index into it.
    pub firmware_versions: Vec<String>,
}

impl Deployment {
    pub fn device_count(&self) -> u64 {
        self.fleets.iter().map(|f| f.count as u64).sum()
    }

    /// Whether a fleet can end a replication before the horizon (`stop_when_dead`).
    pub fn stops_when_dead(&self) -> bool {
        self.fleets.iter().any(|f| f.stop_when_dead.is_some())
    }
}

#[derive(Clone, Debug)]
pub struct CarrierSpec {
    pub id: String,
    /// Stable key of the carrier's random streams (from its id).
    pub key: u64,
    /// Up-time and down-time laws of the outage process, if it has one.
    pub outages: Option<FailureSpec>,
    /// Index into [`Deployment::regions`].
    pub region: Option<usize>,
    /// Registrations of devices on their own SIMs it takes at once (`None`: unlimited).
    pub attach_channels: Option<u32>,
}

#[derive(Clone, Debug)]
pub struct GatewaySpec {
    pub id: String,
    pub key: u64,
    pub site: usize,
    pub buffer_messages: u64,
    pub drop: DropPolicy,
    /// Time to process one message before it goes on the uplink; `None` takes no time.
    pub service: Option<DurationDist>,
    /// Parallel channels of the forwarding server, sharing one FIFO queue (1: one at a time).
    pub servers: u32,
    /// In priority order: the primary first.
    pub uplinks: Vec<UplinkSpec>,
    pub failover: FailoverSpec,
    pub failure: Option<FailureSpec>,
}

impl GatewaySpec {
    /// Whether forwarding takes time, so that messages queue for the gateway.
    pub fn has_capacity_limit(&self) -> bool {
        self.service.is_some() || self.uplinks.iter().any(|u| u.link.data_rate_bps.is_some())
    }
}

/// How a group of alternatives (a gateway's uplinks, or redundant gateways) fails over.
#[derive(Clone, Debug)]
pub enum FailoverSpec {
    Instant,
    NoFailover,
    Esim {
        detection: DurationDist,
        switch_time: DurationDist,
        switch_failure: f64,
        coverage: f64,
        switch_back: SwitchBackSpec,
    },
    Backup {
        detection: DurationDist,
        switch_time: DurationDist,
        coverage: f64,
        switch_back: SwitchBackSpec,
    },
    ActiveStandby {
        detection: DurationDist,
        switchover: DurationDist,
        coverage: f64,
        switch_back: SwitchBackSpec,
    },
    ActiveActive {
        detection: DurationDist,
    },
}

impl FailoverSpec {
    /// The policy's name as written in a scenario.
    pub fn name(&self) -> &'static str {
        match self {
            FailoverSpec::Instant => "Instant",
            FailoverSpec::NoFailover => "NoFailover",
            FailoverSpec::Esim { .. } => "Esim",
            FailoverSpec::Backup { .. } => "Backup",
            FailoverSpec::ActiveStandby { .. } => "ActiveStandby",
            FailoverSpec::ActiveActive { .. } => "ActiveActive",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SwitchBackSpec {
    Immediate,
    HoldDown(Ticks),
    Never,
}

/// The gateways that serve one or more fleets, and how they back each other up. A gateway
/// that is not in a redundancy group serves its fleets as a group of one.
#[derive(Clone, Debug)]
pub struct GroupSpec {
    pub id: String,
    pub key: u64,
    /// Gateway indices, in priority order.
    pub members: Vec<usize>,
    pub policy: FailoverSpec,
    /// How messages pick a member in rotation.
    pub pool: Pool,
    /// A k-of-n group: up while at least this many members work; `None`: up while it has a
    /// member in rotation and each one in rotation works.
    pub at_least: Option<u32>,
    /// How a member not in use ages (active/standby groups; `Hot` otherwise).
    pub standby: StandbyKind,
}

/// A unit that can be up or down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Carrier(usize),
    Gateway(usize),
}

/// A random outage process that takes several units down together.
#[derive(Clone, Debug)]
pub struct CauseSpec {
    pub id: String,
    pub key: u64,
    pub units: Vec<Unit>,
    /// The fleets it takes devices of, each with the share of its devices one strike takes
    /// down (1 for a whole fleet).
    pub fleets: Vec<FleetHit>,
    pub outages: FailureSpec,
}

/// A common cause's hold on a fleet: each strike takes each device down with probability
/// `share` (its own draw; every device when `share` is 1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FleetHit {
    pub fleet: usize,
    pub share: f64,
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
    /// Usable throughput, bits per second; `None` is unlimited.
    pub data_rate_bps: Option<f64>,
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
    /// An equilibrium start (`start: Equilibrium`), or `None`: new and up at 0.
    pub steady: Option<Box<SteadyStart>>,
}

/// A failure/repair process started in steady state.
#[derive(Clone, Debug)]
pub struct SteadyStart {
    /// MTTR / (MTTF + MTTR): the chance a unit is down at a random instant.
    pub down: f64,
    /// The equilibrium laws of the time left up, and of the repair time left.
    pub lifetime: DurationDist,
    pub repair: DurationDist,
}

impl SteadyStart {
    /// The steady start of the alternating process with these laws.
    pub fn of(lifetime: &DurationDist, repair: &DurationDist) -> SteadyStart {
        let (up, down) = (lifetime.mean(), repair.mean());
        SteadyStart {
            down: down / (up + down),
            lifetime: lifetime.equilibrium(),
            repair: repair.equilibrium(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct FleetSpec {
    pub id: String,
    pub key: u64,
    pub site: usize,
    /// Index into [`Deployment::groups`].
    pub group: usize,
    pub count: u32,
    pub report: DurationDist,
    /// Bytes of one message on the wire: payload plus the protocol's overhead.
    pub message_bytes: u32,
    /// The protocol the fleet names (itself or through its class), if any.
    pub protocol: Option<Protocol>,
    pub link: LinkSpec,
    /// Readings each device can keep while it cannot reach a gateway.
    pub buffer_messages: u64,
    pub lora: Option<LoRaSpec>,
    /// Random failures, lifetimes already divided by the environment factor.
    pub failure: Option<FailureSpec>,
    pub life: LifeSpec,
    pub certificate: Option<CertSpec>,
    /// Dead devices (down at once, whatever the reason) that end a replication: the smallest
    /// count that is at least the fleet's `stop_when_dead` share; `None`: never.
    pub stop_when_dead: Option<u32>,
    /// The fleet's k-of-n service level: in service while at least this many devices are up
    /// and reporting.
    pub at_least_up: Option<u32>,
    /// Devices attached straight to carriers, each on its own SIM; the fleet's group is then
    /// empty (no gateway).
    pub cellular: Option<CellularSpec>,
    /// Index into [`Deployment::firmware_versions`] of the version a device starts on when
    /// the inventory gives none; `None`: unknown.
    pub firmware_version: Option<u16>,
}

/// A fleet's certificates, checked.
#[derive(Clone, Debug)]
pub struct CertSpec {
    pub validity: Ticks,
    pub renew_before: Option<Ticks>,
    pub renewal_success: f64,
    pub retry_every: Ticks,
    pub fix: DurationDist,
    pub first_expiry: Option<DurationDist>,
}

/// A firmware campaign, resolved.
#[derive(Clone, Debug)]
pub struct CampaignSpec {
    pub key: u64,
    pub fleet: usize,
    pub start: Ticks,
    pub waves: u32,
    pub wave_every: Ticks,
    pub brick: f64,
    pub recover: f64,
    pub rollback_time: Option<DurationDist>,
    pub repair: DurationDist,
    pub halt_above: Option<f64>,
    /// Indices into [`Deployment::firmware_versions`] of the versions it updates; empty: all.
    pub from: Vec<u16>,
    /// The version an updated device is on afterwards; `None`: unchanged.
    pub to: Option<u16>,
}

/// A repair crew, resolved: see `types::Crew`.
#[derive(Clone, Debug)]
pub struct CrewSpec {
    pub id: String,
    /// Stable key of the crew's random streams (from its id).
    pub key: u64,
    /// Site indices, in the order written.
    pub sites: Vec<usize>,
    pub technicians: u32,
    pub travel: DurationDist,
    pub spares: Option<SparesSpec>,
    /// Yearly cost of one technician.
    pub cost_per_year: f64,
}

/// A crew's spare parts: base stock and replenishment lead time.
#[derive(Clone, Debug)]
pub struct SparesSpec {
    pub stock: u32,
    pub lead_time: DurationDist,
}

/// How a fleet's devices age, beyond their random failures.
#[derive(Clone, Debug, Default)]
pub struct LifeSpec {
    /// Age at the start of the simulation, drawn per device; `None`: new.
    pub age: Option<DurationDist>,
    pub replace: Option<ReplaceSpec>,
    pub battery: Option<BatterySpec>,
    /// Cold spares per device: a device's lifetime is the sum of `cold_spares + 1` draws.
    pub cold_spares: u32,
    /// Standby spares per device, repaired while another unit runs; `None`: none.
    pub standby: Option<DeviceStandbySpec>,
    /// The environment's acceleration factor (already applied to the failure lifetime).
    pub environment_factor: f64,
    /// Sensor degradation, if the fleet's sensors degrade.
    pub degradation: Option<DegradationSpec>,
}

/// Sensor degradation, checked: when it begins, what it does to readings, how it is found.
#[derive(Clone, Debug)]
pub struct DegradationSpec {
    pub onset: Onset,
    pub effect: Effect,
    pub inspection: Option<InspectionSpec>,
}

/// When a new unit's sensor degrades.
#[derive(Clone, Debug)]
pub enum Onset {
    /// A draw of a duration law.
    Law(DurationDist),
    /// The first passage of a Wiener process with positive drift through a threshold: inverse
    /// Gaussian with this mean and shape, in ticks (shape infinite: exactly the mean).
    FirstPassage { mean: f64, shape: f64 },
}

/// What a degraded sensor does to its readings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Effect {
    /// Every reading is out of accuracy (drift past the threshold, stuck at a value).
    AllWrong,
    /// Each reading is out of accuracy with this probability.
    Noise(f64),
    /// Each reading is lost before it is sent with this probability.
    Dropouts(f64),
}

/// Condition-based maintenance: inspect every `every`, find a degraded device with
/// probability `detection`.
#[derive(Clone, Copy, Debug)]
pub struct InspectionSpec {
    pub every: Ticks,
    pub detection: f64,
}

impl LifeSpec {
    /// Whether a device needs more than the plain failure/repair alternation: its own
    /// battery and replacement clocks.
    pub fn has_clocks(&self) -> bool {
        self.replace.is_some() || self.battery.is_some() || self.degradation.is_some()
    }
}

/// A device's standby spares, checked: see `types::DeviceStandby`.
#[derive(Clone, Debug)]
pub struct DeviceStandbySpec {
    /// Spare units beside each device (at least 1).
    pub spares: u32,
    /// Ageing rate of a spare on the shelf, as a share of the in-service rate.
    pub idle_rate: f64,
    pub coverage: f64,
    /// Down time while a spare is put in service (drawn per switch; `Fixed(0)`: none).
    pub switch: DurationDist,
}

/// Age replacement.
#[derive(Clone, Debug)]
pub struct ReplaceSpec {
    pub at_age: Ticks,
    pub downtime: Option<DurationDist>,
}

/// A battery, reduced to what the model needs.
#[derive(Clone, Debug)]
pub struct BatterySpec {
    /// Mean life of a full battery in ticks: capacity over the average current.
    pub life: f64,
    /// The average current it was derived from, mA (for reports).
    pub average_ma: f64,
    /// Relative standard deviation of the usable capacity between cells.
    pub spread: f64,
    /// Time to swap or recharge a dead battery; `None`: never.
    pub swap: Option<DurationDist>,
}

/// A fleet's LoRa radio settings, checked.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LoRaSpec {
    pub spreading_factor: u8,
    pub channels: u32,
    pub duty_cycle: f64,
    pub bandwidth_hz: u32,
    pub coding_rate: u8,
    /// Slot length of slotted ALOHA; `None`: unslotted (pure) ALOHA.
    pub slot: Option<Ticks>,
    /// Where the devices stand and how their signal fades; `None`: all in range, no powers.
    pub placement: Option<PlacementSpec>,
    /// Each device picks the lowest spreading factor from `spreading_factor` up that its
    /// link budget meets.
    pub sf_by_distance: bool,
    /// Capture threshold in dB; `None`: overlapping frames are both lost.
    pub capture_db: Option<f64>,
    /// How the gateway's receiver decides, beyond the settings above: the options added to
    /// reproduce LoRaSim (preamble lock, its sensitivity table, bandwidth by distance).
    pub rules: LoRaRules,
}

/// A LoRa fleet's receiver rules; the default is the plain model.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LoRaRules {
    /// Overlaps within the first (preamble − 5) symbols of the later frame are ignored
    /// (LoRaSim's timing condition); only with `capture_db`.
    pub preamble_lock: bool,
    /// The sensitivity table that decides range and spreading factors.
    pub sensitivity: crate::model::lora::Sensitivity,
    /// Devices pick their bandwidth with their spreading factor (the fastest setting they
    /// reach); only with `sf_by_distance`.
    pub bandwidth_by_distance: bool,
}

impl LoRaSpec {
    /// Whether flow mode's aggregate LoRa accounting models these settings: pure ALOHA with
    /// every device in range at one spreading factor. Slots, placement (range, per-device
    /// spreading factors) and capture need each frame's slot, link and power.
    pub fn flow_models(&self) -> bool {
        self.slot.is_none()
            && self.placement.is_none()
            && !self.sf_by_distance
            && self.capture_db.is_none()
    }

    /// Whether fleets with these settings can share channels: they must take them the same
    /// way (slots) and settle overlaps the same way (capture).
    pub fn shares_channels_with(&self, other: &LoRaSpec) -> bool {
        self.slot == other.slot
            && self.capture_db == other.capture_db
            && self.rules.preamble_lock == other.rules.preamble_lock
    }
}

/// LoRa devices uniform in area on a disc around their gateway, with log-distance path loss.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlacementSpec {
    pub radius_m: f64,
    pub tx_power_dbm: f64,
    pub path_loss: crate::model::lora::LogDistance,
    pub shadowing_db: f64,
}

/// What a scripted fault does.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FaultTarget {
    /// Takes a carrier or a gateway down.
    Down(Unit),
    /// Fleet `fleet`'s access link loses `loss` more of its messages.
    AccessLink { fleet: usize, loss: f64 },
    /// Uplink `uplink` of gateway `gateway` loses `loss` more of its messages.
    Uplink {
        gateway: usize,
        uplink: usize,
        loss: f64,
    },
}

/// A scripted fault or a maintenance window: `target` is down (or degraded) from `at` for
/// `lasting`, whatever its random process says.
#[derive(Clone, Copy, Debug, PartialEq)]
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

/// The scenario's prices, resolved to indices. Amounts are in [`CostSpec::currency`].
#[derive(Clone, Debug, PartialEq)]
pub struct CostSpec {
    pub currency: String,
    /// Annual discount rate (0.08 = 8%).
    pub discount_rate: f64,
    /// Per fleet, in fleet order (zeros for a fleet without a price).
    pub devices: Vec<DeviceCostSpec>,
    /// Per gateway, in gateway order.
    pub gateways: Vec<GatewayCostSpec>,
    pub plans: Vec<PlanSpec>,
    /// Per carrier: the plan that bills it, if any.
    pub plan_of_carrier: Vec<Option<usize>>,
    /// Per carrier: billed bytes of one message it carries, protocol overhead included: the
    /// mean `message_bytes` of the fleets whose gateways have an uplink through it, weighted
    /// by their reporting rates (the model counts messages per carrier, not per fleet).
    pub carrier_message_bytes: Vec<f64>,
    /// Per fleet: billed bytes of one of its messages (for devices attached straight to
    /// carriers, whose messages the model counts per fleet and carrier).
    pub fleet_message_bytes: Vec<f64>,
    pub per_million_messages: f64,
    /// Truck roll plus labour of one repair visit (parts are per fleet and gateway).
    pub repair_visit: f64,
    pub downtime_per_site_hour: f64,
    pub sla: Option<SlaSpec>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DeviceCostSpec {
    pub hardware: f64,
    pub install: f64,
    /// Parts of one repair.
    pub parts: f64,
    pub battery_swap: f64,
    /// Time between battery swaps; `None` for none.
    pub battery_life: Option<Ticks>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GatewayCostSpec {
    pub hardware: f64,
    pub install: f64,
    pub parts: f64,
}

/// A connectivity plan: SIMs (or lines) on one or more carriers.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanSpec {
    /// Carrier indices the plan's SIM works on.
    pub carriers: Vec<usize>,
    /// SIMs (or lines): gateways with an uplink through one of `carriers`, or for a per-site
    /// plan the sites of those gateways.
    pub sims: u32,
    pub per_sim_month: f64,
    pub per_mb: f64,
    pub activation: f64,
    /// Devices attached straight to carriers whose first carrier is on this plan: one active
    /// SIM (or profile) each.
    pub device_sims: u64,
    /// Such devices with a further profile on this plan but not their first one: one dormant
    /// profile each.
    pub dormant_profiles: u64,
    /// eSIM profiles of this plan on devices (each downloaded once).
    pub downloads: u64,
    pub dormant_profile_month: f64,
    pub profile_download: f64,
    pub per_switch: f64,
    pub platform_per_device_month: f64,
    pub included_mb_month: f64,
    pub overage_per_mb: f64,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SlaSpec {
    pub availability: f64,
    /// Per site and per year of the horizon below `availability`.
    pub penalty: f64,
}
