//! The network: carriers, gateways and their uplinks, failover between uplinks, and
//! redundancy groups of gateways (detection, switch-back, how they share messages).

use serde::{Deserialize, Serialize};

use super::super::catalog::Link;
use super::super::values::{Count, Dist, Failure, Positive, Probability};
use super::lifecycle::StandbyKind;
use super::outages::Outages;
use crate::engine::Duration;

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

pub(super) fn zero_dist() -> Dist {
    Dist::Fixed(Duration::ZERO)
}

pub(super) fn certain() -> Probability {
    Probability(1.0)
}

pub(super) fn never() -> SwitchBack {
    SwitchBack::Never
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
