//! One replication of a deployment: the `World` that owns its parts and routes each event to
//! the part it concerns (the table is in ARCHITECTURE.md, "Event routing").
//!
//! `build` makes the flat arrays and the parts from the `Deployment` and schedules the first
//! events; `run` runs a replication (warm-up, end of life, packet or flow mode) and closes its
//! accounts; `ahead` decides which fleets live their lives ahead. Parts with their own module: the
//! accounts (`accounts`: ledger, downtimes, freshness, counters, the reduction to
//! [`Outcome`]), the network (`network`: gateways, carriers, common causes, faults, redundancy
//! groups and failover places, routing and paths), the LoRa radio (`radio`), repair crews
//! (`crews`), certificates and firmware (`software`) and flow mode (`flow`). A part owns its
//! state; the world passes what one part must know of another as arguments and return values,
//! and answers the network's `Host` calls while a change cascades through it.
//! Here: the types every part shares (devices, fleets, messages, the `Outcome`), the event
//! routing (`Model::handle`) and the answers to the network's `Host` calls.
//!
//! State lives in flat arrays indexed by device, fleet, gateway, carrier and failover place
//! (invariant 5 in ARCHITECTURE.md). Which uplink a gateway uses, and which gateway of a
//! redundancy group a fleet uses, is decided by a [`FailoverPolicy`] per place; the world
//! tells it the truth as it changes and routes traffic by what it decided.

use crate::engine::sim::prefetch;
use crate::engine::{DurationDist, Lane, Model, Scheduler, Stream, Ticks};
use crate::scenario::{Deployment, FailoverSpec, FailureSpec, LifeSpec};

use super::degradation::{BAD, DegradationStats};
use super::event::{Event, Packed};
use super::failover::FailoverPolicy;
use super::ledger::Ledger;
use super::link::Hop;
use super::trace::{MessageId, Observer, Silent, Trace, Upkeep};

mod accounts;
mod crews;
mod inventory;
mod life;
mod network;
mod radio;
mod reporting;
mod software;

use flow::FlowCx;
use life::{Life, LifeCx};
use network::{AccessFault, Courier, Host, Network};
use reporting::{ReportCx, Reporting};

/// What carrying a message through a gateway needs of the world (see [`Courier`]), borrowed
/// field by field so the network can be borrowed beside it.
macro_rules! courier {
    ($world:expr) => {
        Courier {
            acc: &mut $world.acc,
            observer: &mut $world.observer,
            senders: &$world.devices,
            traffic: &mut $world.traffic,
            horizon: $world.horizon,
        }
    };
}

/// What reporting touches outside the reporting part (see [`ReportCx`]).
macro_rules! report_cx {
    ($world:expr) => {
        ReportCx {
            devices: &mut $world.devices,
            traffic: &mut $world.traffic,
            fleets: &$world.fleets,
            acc: &mut $world.acc,
            observer: &mut $world.observer,
            radio: &mut $world.radio,
            software: &$world.software,
            cellular: &mut $world.cellular,
            horizon: $world.horizon,
        }
    };
}

/// What flow mode reads and writes outside its part (see [`FlowCx`]).
macro_rules! flow_cx {
    ($world:expr) => {
        FlowCx {
            acc: &mut $world.acc,
            fleets: &$world.fleets,
            devices: &$world.devices,
            software: &$world.software,
            cellular: &mut $world.cellular,
            horizon: $world.horizon,
        }
    };
}

/// What a lifecycle change touches outside the lifecycle part (see [`LifeCx`]).
macro_rules! life_cx {
    ($world:expr) => {
        LifeCx {
            devices: &mut $world.devices,
            fleets: &$world.fleets,
            acc: &mut $world.acc,
            observer: &mut $world.observer,
            crews: &mut $world.crews,
        }
    };
}

// After the macros, which they use.
mod ahead;
mod build;
mod cellular;
mod run;

use run::RunMode;

use super::sketch::DurationSketch;
pub use accounts::QueueStats;

use accounts::Accounts;
use radio::{LoRaRt, Radio};

use cellular::Cellular;
pub use cellular::{CellularStats, DEVICE_BYTES as CELLULAR_DEVICE_BYTES, MOVING_DEVICE_BYTES};
pub use crews::CrewStats;
use crews::{Crews, Work};
pub use flow::{CELLULAR_COHORT_BYTES, CELLULAR_HOLDING_BYTES};

pub use software::SoftStats;
use software::Software;
mod flow;

/// Process labels: the last coordinate of a stream key.
pub mod process {
    /// A device's report timing and the fate of its messages on each hop.
    pub const TRAFFIC: u64 = 1;
    /// Failures and repairs of a device or gateway. A device's k-th draw uses process
    /// `LIFECYCLE | (k + 1) << 32`.
    pub const LIFECYCLE: u64 = 2;
    /// A carrier's or a common cause's outages.
    pub const OUTAGES: u64 = 3;
    /// A failover place's decisions (detection and switch times, coverage).
    pub const FAILOVER: u64 = 4;
    /// A gateway's service times.
    pub const SERVICE: u64 = 5;
    /// Certificate and firmware draws of a device, keyed by their time: `SOFTWARE | t << 8`.
    pub const SOFTWARE: u64 = 6;
    /// Flow mode's draws for a fleet (report phases, counts, losses) or a gateway (uplink
    /// losses, lateness), and a fleet's latency tables.
    pub const FLOW: u64 = 7;
    /// A repair crew's travel times (`CREW | 1 << 32`) and spare-part lead times
    /// (`CREW | 2 << 32`).
    pub const CREW: u64 = 8;
    /// A cellular device's detection, switch and attach draws (`CELLULAR | k << 32` for its
    /// k-th), and a connectivity platform's outage detections (keyed by the fleet).
    pub const CELLULAR: u64 = 9;
    /// Where a LoRa device stands around its gateway and its shadowing, drawn once.
    pub const LORA_PLACEMENT: u64 = 10;
    /// Which devices of a fleet a common cause's strike takes down (`FleetShare`), keyed by
    /// the cause.
    pub const CAUSE_HITS: u64 = 11;
}

/// What one replication measured.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub ledger: Ledger,
    /// Per gateway: time-integrated queue and the waits of the messages it sent (packet mode;
    /// empty in flow mode).
    pub queues: Vec<QueueStats>,
    /// The end-to-end delays of delivered messages (packet mode; empty in flow mode).
    pub delays: DurationSketch,
    /// Each gateway buffer's messages lost to overflow in each connectivity outage that ended
    /// before the horizon (packet mode; `None` in flow mode).
    pub outage_losses: Option<Vec<u64>>,
    /// Where measures start: the scenario's warm-up (0 without one). Counts, availabilities,
    /// queues and delays are over [measured_from, horizon).
    pub measured_from: Ticks,
    /// The span the replication ran: the scenario's horizon, or its fleet end of life plus one
    /// tick when a fleet's `stop_when_dead` ended it. Every time share and cost is over this
    /// span.
    pub horizon: Ticks,
    /// When a fleet reached its `stop_when_dead` share and ended the replication (`None`: the
    /// horizon came first, or no fleet sets it). Every event at this instant is part of the
    /// run (so the deaths that end it are counted); the accounts close one tick later.
    pub end_of_life: Option<Ticks>,
    pub device_availability: f64,
    pub gateway_availability: f64,
    /// Share of gateway-time with at least one working uplink.
    pub uplink_availability: f64,
    /// Share of gateway-time able to forward to the cloud (gateway up and the uplink in use
    /// working).
    pub connectivity_availability: f64,
    pub carrier_outages: u64,
    pub peak_buffered: u64,
    pub events: u64,
    /// Failed members taken out of use with traffic going on over another member, and those
    /// after which every member in use worked; failed switch attempts count as failovers too.
    pub failovers: u64,
    pub failovers_ok: u64,
    /// Lengths of the interruptions of fleets' paths to the cloud that ended before the horizon.
    pub recoveries: Vec<Ticks>,
    /// Per site: availability of every fleet's path to the cloud, and stale time.
    pub site_availability: Vec<f64>,
    /// Per fleet with a k-of-n service level (`at_least_up`), in fleet order: the share of
    /// time at least k of its devices were up and reporting.
    pub k_of_n_availability: Vec<f64>,
    pub site_stale: Vec<Ticks>,
    /// Per site: time from the mission's start (`measured_from`) to its first failure, the
    /// first time one of its fleets lost its path to the cloud for a positive time (`None`:
    /// none before the horizon).
    pub site_first_failure: Vec<Option<Ticks>>,
    /// Per gateway: share of time it could forward to the cloud, and time its forwarding
    /// server was busy.
    pub gateway_connectivity: Vec<f64>,
    pub gateway_busy: Vec<Ticks>,
    /// Time messages waited in gateway buffers and queues, and how many left them.
    pub wait_sum: u128,
    pub waited: u64,
    /// Random failures of devices and of gateways (each needs a repair: a truck roll).
    pub device_failures: u64,
    pub gateway_failures: u64,
    /// The same failures per fleet and per gateway (scenario order), to price their repairs.
    pub fleet_failures: Vec<u64>,
    pub gateway_failures_each: Vec<u64>,
    /// Per carrier: messages handed to it by gateway uplinks (what a data plan bills).
    pub carrier_messages: Vec<u64>,
    /// Completeness over time: per equal slice of the scenario's horizon ([`SERIES_SLICES`] of
    /// them, whatever span the replication ran, so replications line up), the messages
    /// generated in it and those of them delivered on time. Slices after a fleet end of life
    /// stay empty.
    pub series: Vec<[u64; 2]>,
    /// Batteries, planned replacements and dead devices.
    pub life: LifeStats,
    /// Certificates and firmware campaigns.
    pub soft: SoftStats,
    /// Per slice of the horizon: devices that failed for the first time in it (for survival
    /// curves).
    pub first_failures: Vec<u64>,
    /// Sensor degradations and condition-based replacements.
    pub degradation: DegradationStats,
    /// Per repair crew (scenario order): busy time, queue, waits, repairs and stockouts.
    pub crews: Vec<CrewStats>,
    /// Fleets attached straight to carriers: service, switches, traffic per carrier.
    pub cellular: CellularStats,
    /// Per fleet, where its messages ended. In packet mode each adds up on its own and they
    /// sum to `ledger`; flow mode fills only the fleets on their own SIMs (their settled
    /// counts), the others' are zeros, its aggregate accounting keeping only the total.
    pub fleet_ledgers: Vec<Ledger>,
}

/// Slices of the horizon in [`Outcome::series`].
pub const SERIES_SLICES: usize = 100;

/// Per-device state, kept small: ten million devices must fit in about a gigabyte (flow mode
/// at national scale), and every event on a device reads its entry at random. Its traffic
/// stream is kept apart (`World::traffic`), in packet mode only: flow mode never draws a
/// message, so its entry is 16 bytes, four to a cache line.
#[derive(Debug)]
struct Device {
    fleet: u32,
    /// Lifecycle draws made so far. Failures and repairs are rare, so instead of a second
    /// 32-byte generator each draw gets its own stream, keyed by this counter.
    life_draws: u32,
    /// Messages generated so far: the next message's sequence number (for traces).
    sent: u32,
    up: bool,
    /// The access link's Gilbert-Elliott state: in its bad (bursty) state.
    access_bad: bool,
    /// Whether the device has failed at least once (it fits in the padding: the size stays);
    /// for a device with lifecycle clocks, whether its battery has run flat at least once.
    failed: bool,
    /// The sensor is degraded: its readings are out of accuracy or dropped (see
    /// `model::degradation`). Takes the Device's last spare byte (16 bytes in all).
    degraded: bool,
}

// A quarter of a cache line, no spare byte: a new per-device field belongs in its part's own
// array, for the devices that need it.
const _: () = assert!(std::mem::size_of::<Device>() == 16);

impl Device {
    /// The device's fleet.
    #[inline(always)]
    fn fleet(&self) -> usize {
        self.fleet as usize
    }
}

#[derive(Debug)]
struct FleetRt {
    key: u64,
    first_device: u32,
    report: DurationDist,
    access: Hop,
    failure: Option<FailureSpec>,
    life: LifeSpec,
    count: u32,
    /// Where the fleet's devices' clocks start in the lifecycle part's clocks (fleets with
    /// batteries, planned replacement or degradation only), and their battery and replacement
    /// clocks (fleets with batteries or planned replacement only).
    first_clock: u32,
    first_power: u32,
    lora: Option<LoRaRt>,
    /// Readings each device can keep while it cannot reach a gateway, and where the fleet's
    /// device buffers start in `World::device_buffers`.
    device_buffer: u64,
    first_buffer: u32,
    /// Its devices attach to carriers on their own SIMs (`world::cellular`), not to a gateway.
    cellular: bool,
    /// Its reports need none of the rarer checks (software, common causes on devices,
    /// degradation, own SIMs, device buffers, LoRa): set once the world is built, read by
    /// `World::emit_plain`, the path of every report in the peer model.
    plain: bool,
    /// Its devices' lives were lived before the run (flow mode: `life/ahead.rs`), and flow
    /// mode reads their state changes from its fleet's timeline: set once the world is built.
    lived_ahead: bool,
    /// The scheduler's lane of its access link's latency, when that is fixed (packet mode):
    /// every report sent at once arrives through it.
    lane: Option<Lane>,
}

#[derive(Clone, Copy, Debug)]
struct Msg {
    created: Ticks,
    /// When it entered a gateway buffer or queue.
    queued: Ticks,
    device: u32,
    /// The message's number among its device's (31 bits), and [`BAD`] if its reading was out
    /// of accuracy.
    seq: u32,
}

impl Msg {
    fn id(&self) -> MessageId {
        MessageId {
            device: self.device,
            seq: self.seq & !BAD,
        }
    }

    #[inline(always)]
    fn bad(&self) -> bool {
        self.seq & BAD != 0
    }
}

/// What [`World::with_policies`] tells a caller who plugs in their own policies: which place
/// needs one, and what the scenario says.
#[derive(Clone, Copy, Debug)]
pub struct PolicyRequest<'a> {
    /// The gateway (for its uplinks) or redundancy group id.
    pub place: &'a str,
    /// True for a redundancy group's gateways, false for a gateway's uplinks.
    pub gateways: bool,
    /// The members' ids (carriers or gateways), in priority order.
    pub members: &'a [String],
    /// The policy the scenario specifies.
    pub spec: &'a FailoverSpec,
}

/// Makes the policy for a place: `Some` replaces the scenario's built-in policy.
pub type CustomPolicies<'a> =
    &'a (dyn Fn(&PolicyRequest<'_>) -> Option<Box<dyn FailoverPolicy>> + Sync);

/// The run-time state of one replication.
pub struct World<O: Observer = Silent> {
    observer: O,
    /// Where the run ends and its accounts close: the scenario's horizon, or the fleet end of
    /// life found by a first pass.
    horizon: Ticks,
    devices: Vec<Device>,
    /// Per device, in packet mode only (empty in flow mode): its traffic stream, which draws
    /// report timing and the fate of its messages on each hop.
    traffic: Vec<Stream>,
    fleets: Vec<FleetRt>,
    /// Gateways, carriers, common causes, faults, failover places and paths.
    net: Network,
    /// Reports on their way to the network: device buffers, messages on access links.
    reporting: Reporting,
    /// What the replication measures (read once, at the end).
    acc: Accounts,
    /// LoRa channels and duty cycles.
    radio: Radio,
    /// Certificates and firmware campaigns.
    software: Software,
    /// Repair crews, their jobs and spare parts (empty without crews).
    crews: Crews,
    /// Devices attached straight to carriers (empty without cellular fleets).
    cellular: Cellular,
    /// Flow mode's aggregate accounting; `None` in packet mode.
    flow: Option<Box<flow::Flow>>,
    /// Device failures and repairs, lifecycle clocks, degradation, the dead-device watch.
    life: Life,
}

/// Counts of a replication's battery depletions, planned replacements and dead devices.
#[derive(Clone, Debug, Default)]
pub struct LifeStats {
    pub battery_depletions: u64,
    /// Sum of the full lives of the batteries that ran flat, in ticks.
    pub battery_life_sum: u128,
    pub planned_replacements: u64,
    /// Devices whose battery ran flat with nobody to swap it: dead for good.
    pub dead: u64,
    /// Per fleet, in scenario order: battery swaps done and planned replacements, to price them.
    pub fleet_battery_swaps: Vec<u64>,
    pub fleet_replacements: Vec<u64>,
    /// Per slice of the horizon: devices whose battery ran flat for the first time in it (for
    /// battery survival curves).
    pub first_depletions: Vec<u64>,
}

impl LifeStats {
    /// The warm-up ends: depletions, battery lives, replacements, swaps and deaths count from
    /// now on. First depletions (battery survival curves, about the devices' whole lives) go
    /// on.
    pub(super) fn restart(&mut self) {
        self.battery_depletions = 0;
        self.battery_life_sum = 0;
        self.planned_replacements = 0;
        self.fleet_battery_swaps.fill(0);
        self.fleet_replacements.fill(0);
    }
}

impl World<Silent> {
    /// Builds replication `replication` of `dep` and schedules its first events.
    pub fn new(dep: &Deployment, replication: u64, sched: &mut Scheduler<Packed>) -> World {
        World::with_observer(dep, replication, sched, Silent)
    }

    /// Pending events a run of `dep` keeps at most, roughly: two per device plus a few.
    pub fn queue_capacity(dep: &Deployment) -> usize {
        2 * dep.device_count() as usize + 2 * (dep.gateways.len() + dep.carriers.len()) + 16
    }
}

fn no_custom_policies(_: &PolicyRequest<'_>) -> Option<Box<dyn FailoverPolicy>> {
    None
}

impl<O: Observer> World<O> {
    /// As [`World::new`], reporting every step to `observer`.
    pub fn with_observer(
        dep: &Deployment,
        replication: u64,
        sched: &mut Scheduler<Packed>,
        observer: O,
    ) -> World<O> {
        World::with_policies(dep, replication, sched, observer, &no_custom_policies)
    }

    /// As [`World::with_observer`], with failover policies from `custom` wherever it returns
    /// one: the way to test a policy of one's own against a scenario.
    pub fn with_policies(
        dep: &Deployment,
        replication: u64,
        sched: &mut Scheduler<Packed>,
        observer: O,
        custom: CustomPolicies<'_>,
    ) -> World<O> {
        World::build(
            dep,
            replication,
            sched,
            observer,
            custom,
            RunMode::Packet,
            dep.horizon,
        )
    }

    /// Runs `change` on the network with the rest of the world as its [`Host`]. The network
    /// is taken out of the world meanwhile: whatever the host does during the change reaches
    /// the network through the `&mut Network` it is handed, never through `self.net`.
    #[inline]
    fn with_network<R>(&mut self, change: impl FnOnce(&mut Network, &mut Self) -> R) -> R {
        let mut net = std::mem::take(&mut self.net);
        let result = change(&mut net, self);
        self.net = net;
        result
    }

    /// A scripted fault begins (`begins`) or ends: the network applies it, or hands back a
    /// fault on a fleet's access link, which the fleet's link takes.
    fn fault(&mut self, sched: &mut Scheduler<Packed>, i: usize, begins: bool) {
        let access = self.with_network(|net, w| net.fault(sched, w, i, begins));
        if let Some(AccessFault {
            fleet,
            loss,
            begins,
        }) = access
        {
            self.fleets[fleet].access.degrade(loss, begins);
        }
    }
}

/// The slice of the horizon that time `t` falls in.
#[inline(always)]
fn slice_of(t: Ticks, horizon: Ticks) -> usize {
    // Horizons are at most 1000 years (3.2e16 µs), so t × 100 fits in 64 bits.
    ((t.saturating_mul(SERIES_SLICES as u64) / horizon.max(1)) as usize).min(SERIES_SLICES - 1)
}

/// [`slice_of`] for times that mostly come in order (every message's creation and delivery):
/// it keeps the last slice's bounds, so a lookup is two comparisons rather than a 64-bit
/// division, which cost a few percent of the factory scenario's time.
#[derive(Clone, Copy, Debug)]
pub(super) struct Slicer {
    horizon: Ticks,
    /// The last slice found, `index`, covers `[lo, hi)`; empty at first.
    lo: Ticks,
    hi: Ticks,
    index: usize,
}

impl Slicer {
    pub(super) fn new(horizon: Ticks) -> Slicer {
        Slicer {
            horizon,
            lo: 1,
            hi: 0,
            index: 0,
        }
    }

    /// The slice `t` falls in: the same as [`slice_of`] with this horizon.
    #[inline(always)]
    pub(super) fn of(&mut self, t: Ticks) -> usize {
        if self.lo <= t && t < self.hi {
            return self.index;
        }
        self.find(t)
    }

    #[cold]
    #[inline(never)]
    fn find(&mut self, t: Ticks) -> usize {
        let index = slice_of(t, self.horizon);
        let (h, n) = (u128::from(self.horizon.max(1)), SERIES_SLICES as u128);
        // Where `slice_of` saturates below the horizon, bounds would not describe it: no cache.
        if h * n > u128::from(Ticks::MAX) {
            return index;
        }
        // slice_of(t) ≥ k exactly when t·n ≥ k·h, i.e. t ≥ ⌈k·h / n⌉.
        let start = |k: usize| ((k as u128 * h).div_ceil(n)) as Ticks;
        self.lo = start(index);
        self.hi = if index == SERIES_SLICES - 1 {
            Ticks::MAX
        } else {
            start(index + 1)
        };
        self.index = index;
        index
    }
}

/// The rest of the world, as the network sees it while a change cascades through it.
impl<O: Observer> Host for World<O> {
    #[inline]
    fn observe(&mut self, now: Ticks, step: Trace) {
        self.observer.observe(now, step);
    }

    #[inline]
    fn accounts(&mut self) -> &mut Accounts {
        &mut self.acc
    }

    fn gateway_repair_job(
        &mut self,
        sched: &mut Scheduler<Packed>,
        g: usize,
        after: Ticks,
    ) -> bool {
        let Some(c) = self.crews.of_gateway(g) else {
            return false;
        };
        self.crews
            .raise_job(sched, c, Work::Gateway(g as u32), after, true);
        true
    }

    fn carrier_changed(
        &mut self,
        sched: &mut Scheduler<Packed>,
        net: &mut Network,
        c: usize,
        up: bool,
    ) {
        self.cellular_carrier_changed(sched, net, c, up);
    }

    fn device_held(&mut self, now: Ticks, fleet: usize, d: u32, held: bool) {
        let up = self.devices[d as usize].up;
        self.acc.fleet_device_held(now, fleet, d, up, held);
    }

    fn group_reachable(&mut self, sched: &mut Scheduler<Packed>, net: &mut Network, group: usize) {
        if let Some(flow) = self.flow.as_deref_mut() {
            return flow.flush_devices(net, &mut flow_cx!(self), sched.now(), group);
        }
        self.reporting
            .flush(sched, &mut report_cx!(self), net, group);
    }

    fn gateway_refreshed(&mut self, sched: &mut Scheduler<Packed>, net: &mut Network, g: usize) {
        if let Some(flow) = self.flow.as_deref_mut() {
            return flow.drain(&mut flow_cx!(self), net, sched.now(), g);
        }
        net.drain(sched, &mut courier!(self), g);
    }
}

impl<O: Observer> Model for World<O> {
    type Event = Packed;

    /// Starts loading the device a message or lifecycle event will touch: at 100,000 devices
    /// the table is several megabytes and the entry's first load missed the caches on almost
    /// every event (BENCHMARKS.md, issue 21). A 16-byte entry never straddles two lines; in
    /// packet mode the device's traffic stream, kept in its own array, is the other line a
    /// message draws from.
    #[inline(always)]
    fn upcoming(&self, event: &Packed) {
        let (d, lifecycle) = match Event::from(*event) {
            Event::Emit(d)
            | Event::Arrive { device: d, .. }
            | Event::ArriveBad { device: d, .. } => (d, false),
            Event::DeviceFail(d) | Event::DeviceRepair(d) | Event::DeviceDegrade(d) => (d, true),
            _ => return,
        };
        let Some(device) = self.devices.get(d as usize) else {
            return;
        };
        // A lifecycle change reads the device's clocks (flow mode at national scale: the other
        // miss of every event).
        if lifecycle && let Some(clocks) = self.life.clocks_of_device(d) {
            return prefetch(device, clocks);
        }
        match self.traffic.get(d as usize) {
            Some(stream) => prefetch(device, stream),
            None => prefetch(device, device),
        }
    }

    /// Flow mode's events are lifecycle changes years apart at a few a second of simulated
    /// time: the queue's sorted bottom is empty after almost every pop, so the next event is
    /// guessed from its slot (`perf record` at 10M meters put 40% of the run on the first loads
    /// of an unannounced event's device entry and clocks).
    #[inline(always)]
    fn upcoming_guessed(&self) -> bool {
        self.flow.is_some()
    }

    #[inline]
    fn handle(&mut self, sched: &mut Scheduler<Packed>, event: Packed) {
        let event = match Event::from(event) {
            // A crew's job is done: the technician moves on, and the unit's own repair event
            // (below) brings it back.
            Event::JobDone { crew, slot } => self.crews.job_done(sched, crew, slot),
            Event::PartArrives(crew) => return self.crews.part_arrives(sched, crew),
            event => event,
        };
        match event {
            Event::Emit(_)
            | Event::Arrive { .. }
            | Event::ArriveLong { .. }
            | Event::ServiceDone { .. }
            | Event::ChannelFree(_) => {}
            // A state change: in flow mode, the telemetry it affects is settled first.
            _ => {
                if let Some(flow) = self.flow.as_deref_mut() {
                    flow.before(sched.now(), event, &mut self.net, &mut flow_cx!(self));
                }
            }
        }
        match event {
            Event::Emit(d) => {
                if !self.emit_plain(sched, d) {
                    self.reporting
                        .emit(sched, &mut report_cx!(self), &self.net, d)
                }
            }
            Event::Arrive { .. } | Event::ArriveBad { .. } | Event::ArriveLong { .. } => {
                if let Some(msg) = self.reporting.arrival(sched.now(), event) {
                    self.net.arrive(sched, &mut courier!(self), msg);
                }
            }
            Event::DeviceFail(d) => self
                .life
                .device_changed(sched, &mut life_cx!(self), d, false),
            Event::DeviceRepair(d) => self
                .life
                .device_changed(sched, &mut life_cx!(self), d, true),
            Event::GatewayFail(g) => {
                self.with_network(|net, w| net.gateway_process(sched, w, g as usize, false))
            }
            Event::GatewayRepair(g) => {
                self.with_network(|net, w| net.gateway_process(sched, w, g as usize, true))
            }
            Event::CarrierDown(c) => {
                self.with_network(|net, w| net.carrier_process(sched, w, c as usize, false))
            }
            Event::CarrierUp(c) => {
                self.with_network(|net, w| net.carrier_process(sched, w, c as usize, true))
            }
            Event::ServiceDone { gateway, channel } => self.net.service_done(
                sched,
                &mut courier!(self),
                gateway as usize,
                channel as usize,
            ),
            Event::FaultBegin(i) => self.fault(sched, i as usize, true),
            Event::FaultEnd(i) => self.fault(sched, i as usize, false),
            Event::Cause { index, up } => {
                self.with_network(|net, w| net.cause(sched, w, index as usize, up))
            }
            Event::ChannelFree(c) => self.reporting.channel_free(sched, &mut report_cx!(self), c),
            Event::Cert { device, step } => {
                let dev = &self.devices[device as usize];
                let (f, up) = (dev.fleet as usize, dev.up);
                let expired = self.software.cert_step(sched, f, device, up, step);
                if let Some(fix) = expired {
                    let work = Upkeep::CertExpired;
                    let (device, lasting) = (device, fix);
                    let step = Trace::Upkeep {
                        device,
                        work,
                        lasting,
                    };
                    self.observer.observe(sched.now(), step);
                }
            }
            Event::Wave { campaign, wave } => {
                let devices = &self.devices;
                let up = |d: u32| devices[d as usize].up;
                let (c, crews) = (campaign as usize, &mut self.crews);
                let (observer, now) = (&mut self.observer, sched.now());
                let work = Upkeep::FirmwareUpdate;
                let updated = |device| {
                    let step = Trace::Upkeep {
                        device,
                        work,
                        lasting: 0,
                    };
                    observer.observe(now, step);
                };
                self.software
                    .firmware_wave(sched, crews, up, updated, c, wave);
            }
            Event::Unbrick(d) => {
                let f = self.devices[d as usize].fleet as usize;
                self.software.unbrick(f, d);
            }
            Event::DeviceDegrade(d) => self.life.degrade(sched, &mut life_cx!(self), d),
            Event::Inspect(f) => self.life.inspect(sched, &mut life_cx!(self), f as usize),
            Event::JobDone { .. } | Event::PartArrives(_) => {}
            Event::Cell { device, token } => self.cellular_timer(sched, device, token),
            Event::Platform { device, token } => self.cellular_platform(sched, device, token),
            Event::PolicyTimer { place, token } => {
                self.with_network(|net, w| net.policy_timer(sched, w, place as usize, token))
            }
        }
        if let Some(flow) = self.flow.as_deref_mut() {
            // The device (or fleet) the event changed moves between its fleet's states.
            flow.after(&mut flow_cx!(self));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The remembered bounds give the division's answer for every time, in order or not, at
    /// the edges of slices, past the horizon and for horizons that do not divide evenly.
    #[test]
    fn the_slicer_agrees_with_the_division() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for horizon in [
            1,
            7,
            99,
            100,
            101,
            86_400_000_000,
            2_592_000_000_001,
            1 << 60,
        ] {
            let mut slicer = Slicer::new(horizon);
            let mut t = 0;
            for _ in 0..20_000 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                t = match x % 4 {
                    0 => t + x % (horizon / 50 + 2),
                    1 => t.saturating_sub(x % (horizon / 200 + 2)),
                    2 => {
                        let k = u128::from(x % (SERIES_SLICES as u64 + 1));
                        (k * u128::from(horizon) / SERIES_SLICES as u128) as u64
                    }
                    _ => x >> (x % 64),
                };
                assert_eq!(
                    slicer.of(t),
                    slice_of(t, horizon),
                    "t {t} horizon {horizon}"
                );
            }
        }
    }
}
