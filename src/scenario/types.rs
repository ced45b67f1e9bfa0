//! The scenario file format: serde types for RON.
//!
//! Values that can be wrong on their own (a probability above 1, a duration without a unit, an
//! empty fleet) are checked while they are read, so the error carries the exact line and
//! column. Checks that need the whole file (references between ids, a fleet at one site using a
//! gateway at another) happen in `compile`.

use serde::{Deserialize, Serialize};

use crate::engine::Duration;

pub use super::cellular::{Connectivity, Sim, Steering};
use super::devices::{DeviceClass, Environment, Protocol};
// The scenario's values, the link that names a catalogue preset and the battery, re-exported
// so the file format reads as one vocabulary; they live in modules that do not use this one.
pub use super::catalog::Link;
pub use super::values::{
    Amount, Battery, Count, Dist, Failure, GilbertElliott, Positive, Probability, Share, Start,
};

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

/// What the deployment costs: bought once (capital) and paid over the horizon (operating).
/// Every amount is in `currency`; every number is at least 0.
///
/// ```ron
/// costs: Costs(
///     devices: [DeviceCost(fleet: "vibration", hardware: 250.0, install: 80.0)],
///     gateway: GatewayCost(hardware: 900.0, install: 400.0),
///     plans: [Plan(carrier: "lte-a", per_sim_month: 5.0, per_mb: 0.5)],
///     downtime_per_site_hour: 2000.0,
/// )
/// ```
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Costs {
    /// An ISO 4217 code, used as the metrics' unit.
    #[serde(default = "default_currency")]
    pub currency: String,
    /// Annual discount rate for the net present value (0.08 is 8% a year).
    #[serde(default = "default_discount_rate")]
    pub discount_rate: Amount,
    /// Per fleet: price and installation of one device; fleets not listed cost nothing.
    #[serde(default)]
    pub devices: Vec<DeviceCost>,
    /// Price and installation of every gateway not listed in `gateways`.
    #[serde(default)]
    pub gateway: Option<GatewayCost>,
    /// Per gateway id: `GatewayCost(gateway: "gw-b", hardware: 900.0, install: 400.0)`.
    #[serde(default)]
    pub gateways: Vec<GatewayCost>,
    /// Connectivity plans: one SIM (or line) per gateway that has an uplink through one of the
    /// plan's carriers. Carriers without a plan cost nothing.
    #[serde(default)]
    pub plans: Vec<Plan>,
    /// Bytes of protocol headers on top of each message's `message_bytes`, as a data plan
    /// bills them, for fleets that do not name a `protocol` (or a class, which has one).
    #[serde(default = "default_overhead")]
    pub protocol_overhead_bytes: Amount,
    /// Cloud ingest price per million messages delivered.
    #[serde(default = "default_per_million")]
    pub per_million_messages: Amount,
    /// What one repair of a failed device or gateway costs in labour and travel.
    #[serde(default)]
    pub repairs: Repairs,
    /// Cost of one hour in which a site has no path to the cloud (lost production, manual
    /// rounds, support calls). 0 unless given: it depends entirely on the business.
    #[serde(default)]
    pub downtime_per_site_hour: Amount,
    /// A service-level agreement on each site's availability; none if absent.
    #[serde(default)]
    pub sla: Option<Sla>,
}

/// Price of one device of a fleet.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceCost {
    pub fleet: String,
    pub hardware: Amount,
    #[serde(default)]
    pub install: Amount,
    /// Parts of one repair; the price of the device if absent (a failed sensor is swapped).
    #[serde(default)]
    pub parts: Option<Amount>,
    /// Cost of one battery swap (battery and labour); swaps happen every `battery_life`.
    #[serde(default)]
    pub battery_swap: Amount,
    /// Time between battery swaps; no swaps if absent (mains or loop powered).
    #[serde(default)]
    pub battery_life: Option<Duration>,
}

/// Price of a gateway.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GatewayCost {
    /// The gateway this price is for (in `gateways`); absent in the default `gateway`.
    #[serde(default)]
    pub gateway: Option<String>,
    pub hardware: Amount,
    #[serde(default)]
    pub install: Amount,
    /// Parts of one repair; the price of the gateway if absent (a spare is swapped in).
    #[serde(default)]
    pub parts: Option<Amount>,
}

/// A connectivity plan: a SIM on a cellular carrier, or a wired line. A gateway with an uplink
/// through one of the plan's carriers uses one SIM (`per_site`: each site one line).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub carrier: String,
    /// Further carriers the same SIM works on (a multi-carrier eSIM or multi-IMSI SIM): a
    /// gateway with uplinks through several of them pays one SIM. Its premium is simply a
    /// higher `per_sim_month`.
    #[serde(default)]
    pub also: Vec<String>,
    /// One line per site, shared by every gateway there that uses the carrier (a wired line
    /// behind a site router), instead of one SIM per gateway.
    #[serde(default)]
    pub per_site: bool,
    /// Monthly fee of one SIM or line.
    #[serde(default)]
    pub per_sim_month: Amount,
    /// Price of one megabyte (10^6 bytes) of traffic.
    #[serde(default)]
    pub per_mb: Amount,
    /// One-off activation fee per SIM or line (capital cost).
    #[serde(default)]
    pub activation: Amount,
    /// For devices attached straight to carriers (`Fleet(connectivity: ...)`): the monthly
    /// fee of an eSIM profile of this plan that is not the device's first (a dormant
    /// fallback profile). Default: `per_sim_month` (a second full subscription).
    #[serde(default)]
    pub dormant_profile_month: Option<Amount>,
    /// One-off fee per eSIM profile of this plan downloaded to a device (capital cost).
    #[serde(default)]
    pub profile_download: Amount,
    /// Fee per completed switch of a device onto a carrier of this plan.
    #[serde(default)]
    pub per_switch: Amount,
    /// Connectivity-platform fee per device per month, for devices whose first carrier is on
    /// this plan.
    #[serde(default)]
    pub platform_per_device_month: Amount,
    /// Data included per SIM and month, pooled over the plan's SIMs; what the devices send
    /// beyond the pool is billed at `overage_per_mb` (on top of `per_mb`).
    #[serde(default)]
    pub included_mb_month: Amount,
    #[serde(default)]
    pub overage_per_mb: Amount,
}

/// Price of one repair visit: a truck roll plus `repair_hours` of labour (parts are priced per
/// fleet and gateway).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Repairs {
    /// Travel and call-out of a technician. 150: a typical field-service call-out charge in
    /// Western Europe (100-250 EUR); industrial on-site contracts often charge more.
    #[serde(default = "default_truck_roll")]
    pub truck_roll: Amount,
    /// 75: a typical hourly rate of an industrial electrician or field technician in Western
    /// Europe (60-95 EUR/h billed).
    #[serde(default = "default_labour_hour")]
    pub labour_hour: Amount,
    /// 2: diagnosis, swap, commissioning and paperwork of one unit on site.
    #[serde(default = "default_repair_hours")]
    pub repair_hours: Amount,
}

impl Default for Repairs {
    fn default() -> Self {
        Repairs {
            truck_roll: default_truck_roll(),
            labour_hour: default_labour_hour(),
            repair_hours: default_repair_hours(),
        }
    }
}

/// A service-level agreement: `penalty` per site and per year of the horizon in which the
/// site's availability is below `availability`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Sla {
    pub availability: Probability,
    pub penalty: Amount,
}

/// Euros: the project's home market; write any ISO 4217 code.
fn default_currency() -> String {
    "EUR".to_string()
}

/// 8% a year: a common corporate hurdle rate (weighted average cost of capital of industrial
/// firms is typically 6-10%).
fn default_discount_rate() -> Amount {
    Amount(0.08)
}

/// About 100 bytes a message for MQTT over TLS over TCP/IP with a persistent session: IPv4
/// header 20 + TCP header with timestamps 32 + TLS 1.3 record header and AEAD tag 5 + 16 +
/// MQTT PUBLISH fixed header and a short topic ~25; QoS 1 adds a ~60-byte PUBACK segment back,
/// which this figure leaves out. It ignores the TLS handshake (amortised over a long session)
/// and cellular operators' rounding of sessions up to 1 KB.
fn default_overhead() -> Amount {
    Amount(100.0)
}

/// 1.0 per million: AWS IoT Core messaging, US$1.00 per million messages for the first billion
/// a month (each up to 5 KB, us-east-1 price list, 2024); Azure IoT Hub's S1 unit (400,000
/// messages a day for ~25 a month) is of the same order at full use.
fn default_per_million() -> Amount {
    Amount(1.0)
}

fn default_truck_roll() -> Amount {
    Amount(150.0)
}

fn default_labour_hour() -> Amount {
    Amount(75.0)
}

fn default_repair_hours() -> Amount {
    Amount(2.0)
}

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

/// How a gateway chooses among its uplinks when one fails.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum Failover {
    /// Ideal failover: traffic moves to the first working uplink the instant anything changes.
    /// The default; useful as an upper bound.
    Instant,
    /// Only the first uplink is ever used.
    NoFailover,
    /// Multi-carrier eSIM / multi-IMSI: one radio, one profile at a time. An outage is noticed
    /// after `detection`; the modem then switches blind to the next profile (it cannot see
    /// whether that carrier works), which takes `switch_time` and fails with probability
    /// `switch_failure` (then it tries the next one). `coverage` is the probability that a
    /// switch, once the outage is noticed, is attempted and works at all; an uncovered one
    /// leaves the modem without service until a profile's network returns (default 1).
    Esim {
        detection: Detection,
        switch_time: Dist,
        #[serde(default)]
        switch_failure: Probability,
        #[serde(default = "certain")]
        coverage: Probability,
        #[serde(default)]
        switch_back: SwitchBack,
    },
    /// Primary wired line with a cellular or satellite backup on its own interface: the router
    /// watches every interface, so it moves only to a working one, after `detection` and a
    /// `switch_time` (route change, session re-establishment). `coverage` is the probability
    /// that the switch-over works (the same meaning as a redundancy group's): an uncovered one
    /// leaves the gateway cut off until the uplink in use, or another one that was down,
    /// returns (default 1).
    Backup {
        detection: Detection,
        switch_time: Dist,
        #[serde(default = "certain")]
        coverage: Probability,
        #[serde(default)]
        switch_back: SwitchBack,
    },
}

/// How long a failure goes unnoticed.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum Detection {
    /// Heartbeats every `every`; declared down after `misses` missed ones. The outage starts at
    /// a random point between two heartbeats, so the delay is uniform on
    /// ((misses − 1) · every, misses · every].
    Heartbeat { every: Duration, misses: Count },
    /// Any distribution of delays.
    After(Dist),
}

/// When traffic goes back to the primary once it works again.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub enum SwitchBack {
    /// As soon as the primary is back.
    #[default]
    Immediate,
    /// After the primary has stayed up this long (avoids flapping); for eSIM, after this long on
    /// a fallback profile the modem tries the primary again.
    HoldDown(Duration),
    /// Stay on the current one until it fails.
    Never,
}

/// Gateways that back each other up.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum Redundancy {
    /// One gateway carries the traffic; when it fails, after `detection`, the next one takes
    /// over within `switchover` — if the switchover works, which it does with probability
    /// `coverage` (otherwise the fleet waits for the repair).
    ActiveStandby {
        id: String,
        gateways: Vec<String>,
        detection: Detection,
        #[serde(default = "zero_dist")]
        switchover: Dist,
        #[serde(default = "certain")]
        coverage: Probability,
        /// By default the standby stays active once it has taken over.
        #[serde(default = "never")]
        switch_back: SwitchBack,
        /// How a gateway not carrying the traffic ages meanwhile: `Hot` (the default: as if
        /// it worked), `Warm(factor)` or `Cold` (not at all).
        #[serde(default)]
        standby: StandbyKind,
    },
    /// Devices are spread over all the gateways; a failed one is taken out of rotation after
    /// `detection`, and its devices move to the others.
    ActiveActive {
        id: String,
        gateways: Vec<String>,
        detection: Detection,
        /// How a message picks a gateway among those in rotation: `Home` (the default) keeps
        /// each device on its own; `JoinShortestQueue`, `RoundRobin` and `FirstUp` pool them.
        #[serde(default)]
        pool: Pool,
        /// A k-of-n group: up while at least this many of its gateways work (up, and an
        /// uplink in use). By default the group is up while it has a gateway in rotation and
        /// each one in rotation works.
        #[serde(default)]
        at_least: Option<Count>,
    },
}

impl Redundancy {
    pub fn id(&self) -> &str {
        match self {
            Redundancy::ActiveStandby { id, .. } | Redundancy::ActiveActive { id, .. } => id,
        }
    }

    pub fn gateways(&self) -> &[String] {
        match self {
            Redundancy::ActiveStandby { gateways, .. }
            | Redundancy::ActiveActive { gateways, .. } => gateways,
        }
    }
}

fn zero_dist() -> Dist {
    Dist::Fixed(Duration::ZERO)
}

fn certain() -> Probability {
    Probability(1.0)
}

fn never() -> SwitchBack {
    SwitchBack::Never
}

/// How a spare waits while another unit carries the load: the rate it ages at while idle,
/// as a share of the rate it ages at in service (an accelerated-life view: a non-exponential
/// law's age advances at that rate, so its hazard follows).
#[derive(Clone, Copy, Debug, Default, PartialEq, Deserialize, Serialize)]
pub enum StandbyKind {
    /// Powered and ageing as if it worked: a parallel unit that carries no load.
    #[default]
    Hot,
    /// Partly powered: ages at this factor of the in-service rate, above 0 and below 1
    /// (e.g. 0.2: a fifth as fast).
    Warm(f64),
    /// Unpowered on the shelf: does not age until it takes over.
    Cold,
}

/// A device's standby spares: `Standby(spares: 1, kind: Cold, coverage: 0.98, switch: "10m")`.
/// When the unit in service fails, a spare on the shelf takes over if the switch works
/// (probability `coverage`), after `switch` during which the device is down; the failed unit
/// is repaired meanwhile and comes back to the shelf.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Standby {
    /// Spare units kept beside each device, at least 1.
    pub spares: u32,
    /// How a spare on the shelf ages. Default: `Cold` (a spare on the shelf, unpowered).
    #[serde(default = "cold")]
    pub kind: StandbyKind,
    /// The chance the switch to a spare works; an uncovered switch leaves the device down
    /// until a unit comes back from repair. Default: 1.
    #[serde(default = "certain")]
    pub coverage: Probability,
    /// How long the device is down while a spare is put in service. Default: 0.
    #[serde(default)]
    pub switch: Option<Duration>,
}

fn cold() -> StandbyKind {
    StandbyKind::Cold
}

impl StandbyKind {
    /// The idle ageing rate as a share of the in-service rate.
    pub fn idle_rate(self) -> f64 {
        match self {
            StandbyKind::Hot => 1.0,
            StandbyKind::Warm(f) => f,
            StandbyKind::Cold => 0.0,
        }
    }
}

/// How a redundancy group's gateways share the messages of its devices.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub enum Pool {
    /// Each device has a home gateway (devices dealt out in turn); while the home is out of
    /// rotation its messages go to the next gateway in rotation.
    #[default]
    Home,
    /// Each message goes to the gateway in rotation holding the fewest messages (waiting and
    /// in service); ties to the first listed.
    JoinShortestQueue,
    /// Messages go to the gateways in rotation in turn, whatever their device.
    RoundRobin,
    /// Every message goes to the first listed gateway in rotation.
    FirstUp,
}

/// What a gateway does with a new message when its buffer is full.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub enum DropPolicy {
    /// Keep the oldest data (a log must be complete from its start).
    #[default]
    DropNewest,
    /// Keep the freshest data (a dashboard wants the latest readings).
    DropOldest,
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

/// A network operator (cellular carrier, wired ISP, satellite operator) with its outages.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Carrier {
    pub id: String,
    /// Where the carrier's network serves this deployment; a `Region` target takes down every
    /// carrier in it.
    #[serde(default)]
    pub region: Option<String>,
    /// The operator whose network this is (`operator: "op-a"` on `op-a-north` and
    /// `op-a-south`): a SIM naming the operator uses its network in the region the device is
    /// in (`docs/cellular.md`).
    #[serde(default)]
    pub operator: Option<String>,
    /// Share of the places of each region the network serves (`{"north": 0.97}`); a region
    /// not listed is not served. Default: every place of its region (every region without one).
    #[serde(default)]
    pub coverage: Option<std::collections::BTreeMap<String, Probability>>,
    /// Registrations (attach, profile switch onto it) its network handles at once, for devices
    /// on their own SIMs: a device finding every channel busy retries after its
    /// `attach_backoff`. Default: as many as come.
    #[serde(default)]
    pub attach_channels: Option<Count>,
    #[serde(default)]
    pub outages: Option<Outages>,
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

/// An edge gateway with a store-and-forward buffer and uplinks in priority order.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Gateway {
    pub id: String,
    pub site: String,
    /// Messages the gateway can hold while no uplink works (or queued for its capacity); 0
    /// means no buffer. For a practically unbounded queue write more than the gateway will
    /// ever see, e.g. 1_000_000_000: memory is planned for what the fleets can send.
    pub buffer_messages: u64,
    /// Which message to give up when the buffer is full.
    #[serde(default)]
    pub drop: DropPolicy,
    /// Forwarding capacity in messages per second: messages queue FIFO for it, and a backlog
    /// drains at this rate once an uplink is back. Without it (and without `service` or an
    /// uplink `data_rate_bps`) forwarding takes no time.
    #[serde(default)]
    pub drain_per_s: Option<Positive>,
    /// Time to process one message, as a distribution (instead of `drain_per_s`).
    #[serde(default)]
    pub service: Option<Dist>,
    /// Parallel channels of the forwarding server (an M/G/c queue, or with `buffer_messages:
    /// 0` an Erlang loss system): each takes the next message of one shared FIFO queue. A
    /// message holds a channel for its `service` time (a session's holding time) plus its
    /// bits over the uplink's `data_rate_bps`. Needs `service`, `drain_per_s` or a data rate;
    /// 1 if absent.
    #[serde(default)]
    pub servers: Option<Count>,
    pub uplinks: Vec<Uplink>,
    /// How the gateway moves between its uplinks; `Instant` if absent.
    #[serde(default)]
    pub failover: Option<Failover>,
    /// The gateway's own hardware failures; none if absent.
    #[serde(default)]
    pub failure: Option<Failure>,
}

/// A gateway's connection to the cloud through one carrier.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Uplink {
    pub carrier: String,
    #[serde(default)]
    pub link: Link,
}

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

/// Sensor degradation, a state between healthy and failed, and how it is found:
/// `Degradation(mode: Drift(rate_per_day: 0.01, volatility_per_sqrt_day: 0.02, threshold: 0.5),
/// inspection: Inspection(every: "90d", detection: 0.9))`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Degradation {
    pub mode: DegradationMode,
    /// Condition-based maintenance: every device is inspected every `every` (all of the fleet
    /// at once, first at `every`); a degraded one is found with probability `detection` and
    /// replaced on the spot by a new unit. Default: none (run to failure).
    #[serde(default)]
    pub inspection: Option<Inspection>,
}

/// How a sensor degrades.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub enum DegradationMode {
    /// The bias is a Wiener process with drift `rate_per_day` (accuracy units per day) and
    /// volatility `volatility_per_sqrt_day`; the sensor is degraded from the first time the
    /// bias reaches `threshold` (an inverse Gaussian time with mean threshold / rate). Every
    /// reading after that is out of accuracy.
    Drift {
        rate_per_day: Positive,
        #[serde(default)]
        volatility_per_sqrt_day: Amount,
        threshold: Positive,
    },
    /// From `onset` (a draw per unit), each reading is out of accuracy with probability
    /// `bad_share`.
    Noise { onset: Dist, bad_share: Probability },
    /// From `onset`, the sensor repeats its last value: every reading is out of accuracy.
    Stuck { onset: Dist },
    /// From `onset`, a share `share` of the readings is lost before it is sent
    /// (`lost_sensor_dropout`).
    Dropouts { onset: Dist, share: Probability },
}

/// Periodic inspection of a fleet: `Inspection(every: "90d", detection: 0.9)`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Inspection {
    pub every: Duration,
    pub detection: Probability,
}

/// LoRa radio settings of a fleet: `LoRa(spreading_factor: 9)`.
#[derive(Clone, Copy, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LoRa {
    /// 7..=12; each step doubles the time on air.
    pub spreading_factor: u8,
    /// Channels the devices hop over at random, one per message: 8 in a typical EU868 network
    /// (3 mandatory plus 5 network-defined, LoRaWAN Regional Parameters RP002).
    #[serde(default = "eight")]
    pub channels: Count,
    /// Share of time a device may transmit: 1% in the EU868 g1 sub-band (ETSI EN 300 220).
    /// A reading due while the device must stay silent is dropped.
    #[serde(default = "one_percent")]
    pub duty_cycle: Probability,
    /// 125, 250 or 500 kHz; LoRaWAN uplinks use 125 kHz except DR6.
    #[serde(default = "khz125")]
    pub bandwidth_khz: u32,
    /// 1..=4 for 4/5..4/8; LoRaWAN uses 4/5.
    #[serde(default = "cr45")]
    pub coding_rate: u8,
    /// How a device takes the channel: `Pure` (LoRaWAN's unslotted ALOHA, the default) or
    /// `Slotted(slot: "2s")`, where a transmission waits for the next slot boundary.
    #[serde(default)]
    pub access: LoRaAccess,
    /// Where the devices stand around their gateway and what the path loses on the way:
    /// `Placement(radius_m: 500)`. Absent: every device reaches its gateway and frames are
    /// never compared by power.
    #[serde(default)]
    pub placement: Option<Placement>,
    /// Each device uses the lowest spreading factor, from `spreading_factor` up, whose
    /// sensitivity its link budget meets (needs `placement`); otherwise all use
    /// `spreading_factor` and a device too far for it is out of range.
    #[serde(default)]
    pub sf_by_distance: bool,
    /// Capture threshold in dB: of two overlapping frames on one channel and spreading factor,
    /// the one stronger by at least this much survives (6 in Bor et al. 2016). Absent: every
    /// overlap loses both. Needs `placement`.
    #[serde(default)]
    pub capture_db: Option<f64>,
    /// The preamble-lock timing condition of LoRaSim (Bor et al. 2016, `timingCollision`):
    /// a frame that starts while another is ending is not disturbed by it if the other ends
    /// within the first 3 of its 8 preamble symbols (a receiver needs the last 5 to lock), so
    /// only overlaps past that are settled by capture. Default false: every overlap counts.
    /// Needs `capture_db`.
    #[serde(default)]
    pub preamble_lock: bool,
    /// Which receiver sensitivities decide range and spreading factors: `Datasheet` (Semtech
    /// SX1272, the default) or `LoRaSim` (Bor et al. 2016's measured table, as LoRaSim uses).
    /// Needs `placement`.
    #[serde(default)]
    pub sensitivity: crate::model::lora::Sensitivity,
    /// With `sf_by_distance`, each device also picks its bandwidth: of every spreading factor
    /// from `spreading_factor` up at 125, 250 and 500 kHz it uses the setting with the
    /// shortest time on air that its link budget meets (LoRaSim's experiment 3). Default
    /// false: the fleet's `bandwidth_khz`. Frames at one spreading factor share its channels
    /// whatever their bandwidths, as in LoRaSim.
    #[serde(default)]
    pub bandwidth_by_distance: bool,
}

/// How a LoRa device takes the channel.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize)]
pub enum LoRaAccess {
    /// Transmit as soon as a reading is due (unslotted ALOHA).
    #[default]
    Pure,
    /// Transmit at the next multiple of `slot` from the start (slotted ALOHA); a slot must
    /// hold the fleet's whole time on air.
    Slotted { slot: Duration },
}

/// LoRa devices placed uniformly in area on a disc of `radius_m` around their gateway,
/// transmitting at `tx_power_dbm`, with log-distance path loss `path_loss`.
#[derive(Clone, Copy, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Placement {
    pub radius_m: f64,
    /// 14 dBm: the EU868 limit for the default channels (ETSI EN 300 220, 25 mW ERP) and what
    /// LoRaSim's nodes use.
    #[serde(default = "dbm14")]
    pub tx_power_dbm: f64,
    #[serde(default)]
    pub path_loss: PathLoss,
}

/// Log-distance path loss `PL(d) = loss_d0_db + 10 exponent log10(d / d0_m)`, plus a normal
/// shadowing of `shadowing_db` standard deviation drawn once per device. The defaults are Bor
/// et al. 2016's fit (868 MHz, built-up area), without shadowing.
#[derive(Clone, Copy, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PathLoss {
    #[serde(default = "bor_d0")]
    pub d0_m: f64,
    #[serde(default = "bor_loss_d0")]
    pub loss_d0_db: f64,
    #[serde(default = "bor_exponent")]
    pub exponent: f64,
    /// Bor et al. measured σ = 3.57 dB; 0 (the default, as in their LoRaSim runs) places
    /// every device at its mean loss.
    #[serde(default)]
    pub shadowing_db: f64,
}

impl Default for PathLoss {
    fn default() -> Self {
        PathLoss {
            d0_m: bor_d0(),
            loss_d0_db: bor_loss_d0(),
            exponent: bor_exponent(),
            shadowing_db: 0.0,
        }
    }
}

fn dbm14() -> f64 {
    14.0
}

/// Bor et al. 2016: reference distance 40 m.
fn bor_d0() -> f64 {
    40.0
}

/// Bor et al. 2016: 127.41 dB lost at the reference distance.
fn bor_loss_d0() -> f64 {
    127.41
}

/// Bor et al. 2016: path-loss exponent 2.08.
fn bor_exponent() -> f64 {
    2.08
}

fn eight() -> Count {
    Count(8)
}

fn one_percent() -> Probability {
    Probability(0.01)
}

fn khz125() -> u32 {
    125
}

fn cr45() -> u8 {
    1
}

/// 64 bytes: a small sensor reading with timestamp and ids, before protocol overhead.
pub const DEFAULT_MESSAGE_BYTES: u32 = 64;

/// How a fleet's devices are powered.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub enum Power {
    Mains,
    Battery(Battery),
}

/// A device certificate: valid for `validity`, renewed `renew_before` its expiry (each attempt
/// succeeds with `renewal_success`, failed ones retried every `retry_every` until it expires).
/// An expired certificate means the device cannot authenticate: its readings are lost
/// (`auth_expired`) until it is re-provisioned, a draw of `fix` later.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Certificate {
    pub validity: Duration,
    /// How long before expiry rotation starts; absent: certificates are never rotated.
    #[serde(default)]
    pub renew_before: Option<Duration>,
    #[serde(default = "certain")]
    pub renewal_success: Probability,
    #[serde(default = "daily")]
    pub retry_every: Duration,
    pub fix: Dist,
    /// When each device's current certificate expires; default: `validity` after the start
    /// (all issued together, the classic fleet-wide expiry).
    #[serde(default)]
    pub first_expiry: Option<Dist>,
}

fn daily() -> Duration {
    Duration::from_secs(86_400)
}

/// A firmware update campaign: fleet `fleet` updated in `waves` equal waves from `start`, one
/// every `wave_every`. Each update bricks the device with probability `brick`; a share
/// `recover` of bricked devices is restored by a remote rollback after `rollback_time`, the
/// others need a site visit (`repair`). The campaign halts after a wave whose bricked share
/// exceeds `halt_above`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Campaign {
    pub fleet: String,
    pub start: Duration,
    #[serde(default = "one_wave")]
    pub waves: Count,
    #[serde(default)]
    pub wave_every: Duration,
    pub brick: Probability,
    #[serde(default)]
    pub recover: Probability,
    #[serde(default)]
    pub rollback_time: Option<Dist>,
    pub repair: Dist,
    #[serde(default)]
    pub halt_above: Option<Probability>,
    /// The firmware versions it updates (`from: ["1.2", "1.3"]`): a device on another version,
    /// or whose version is unknown, is left alone. Default: every device of the fleet.
    #[serde(default)]
    pub from: Vec<String>,
    /// The version an updated device is on afterwards (`to: "2.0"`). Default: unchanged.
    #[serde(default)]
    pub to: Option<String>,
}

fn one_wave() -> Count {
    Count(1)
}

/// Planned replacement at a given age: `Replace(at_age: "8y", downtime: Fixed("1h"))`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Replace {
    pub at_age: Duration,
    /// How long a planned replacement keeps the device down; default none.
    #[serde(default)]
    pub downtime: Option<Dist>,
}

/// A repair crew serving one or more sites:
///
/// ```ron
/// crews: [Crew(id: "north", sites: ["plant_a", "plant_b"], technicians: 2, travel: Fixed("2h"),
///     spares: Spares(stock: 4, lead_time: Fixed("14d")), cost_per_year: 70000.0)]
/// ```
///
/// A failed device or gateway at one of the crew's sites becomes a job in the crew's queue. If
/// the crew keeps `spares`, the job takes one part from stock when it is raised (or waits for
/// the next part to arrive: a stockout); jobs waiting for a part are set aside and the
/// technicians serve the others meanwhile. A free technician takes the oldest job that has its
/// part, travels (a draw of `travel`), does the hands-on repair (a draw of the unit's own
/// `repair` law, which for a unit at a crew's site means hands-on time only, not the wait for
/// a technician) and is free again when the unit is back up. Bricked devices that need a site
/// visit (`firmware`'s `repair`) are jobs too, without a part; battery swaps, planned
/// replacements and condition-based replacements are not crew jobs (a swap's law is the whole
/// delay until the swap, often "at the next round").
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Crew {
    pub id: String,
    /// The sites the crew serves; a site belongs to at most one crew.
    pub sites: Vec<String>,
    /// Technicians working in parallel, one job each.
    pub technicians: Count,
    /// Time from a technician taking a job to arriving on site (a truck roll, or the walk to
    /// the machine for an on-site team); none if absent.
    #[serde(default = "zero_dist")]
    pub travel: Dist,
    /// A stock of spare parts, one used per device or gateway repair; unlimited if absent.
    #[serde(default)]
    pub spares: Option<Spares>,
    /// Yearly cost of one technician (salary, overheads, van), added to `cost_maintenance`
    /// when the scenario has `costs`. 0 unless written: it depends on the country and the
    /// contract (a field technician in Western Europe costs an employer roughly 50,000-80,000
    /// EUR a year).
    #[serde(default)]
    pub cost_per_year: Amount,
}

/// A crew's spare parts under one-for-one replenishment (base stock `stock`): every part taken
/// orders a new one at once, which arrives a draw of `lead_time` later.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Spares {
    /// Parts on the shelf at the start, and the base stock the orders restore (0 is allowed:
    /// every repair waits for its part).
    pub stock: u32,
    pub lead_time: Dist,
}
