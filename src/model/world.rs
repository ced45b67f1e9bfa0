//! One replication of a deployment: the `World` that owns its parts and routes each event to
//! the part it concerns (the table is in ARCHITECTURE.md, "Event routing").
//!
//! `build` makes the flat arrays from the `Deployment`. Parts with their own module: the
//! accounts (`accounts`: ledger, downtimes, freshness, counters, the reduction to
//! [`Outcome`]), the network (`network`: gateways, carriers, common causes, faults, redundancy
//! groups and failover places, routing and paths), the LoRa radio (`radio`), repair crews
//! (`crews`), certificates and firmware (`software`) and flow mode (`flow`). A part owns its
//! state; the world passes what one part must know of another as arguments and return values,
//! and answers the network's `Host` calls while a change cascades through it.
//! Still here: devices and fleets (the message path `emit` → access link → the network) and
//! device lifecycles (failures, clocks, degradation).
//!
//! State lives in flat arrays indexed by device, fleet, gateway, carrier and failover place
//! (invariant 5 in ARCHITECTURE.md). Which uplink a gateway uses, and which gateway of a
//! redundancy group a fleet uses, is decided by a [`FailoverPolicy`] per place; the world
//! tells it the truth as it changes and routes traffic by what it decided.

use std::collections::VecDeque;

use rand::RngExt;

use crate::engine::random::member_key;
use crate::engine::{DurationDist, Model, Scheduler, Stream, StreamKey, Ticks};
use crate::scenario::{Deployment, FailoverSpec, FailureSpec, LifeSpec};

use super::degradation::{self, BAD, DegradationStats, Reading};
use super::event::{Event, Packed};
use super::failover::FailoverPolicy;
use super::ledger::{ConservationError, Ledger, LossCause};
use super::lifecycle::{self, Clocks};
use super::link::Hop;
use super::stop::DeadWatch;
use super::trace::{MessageId, Observer, Silent, Trace};

mod accounts;
mod build;
mod crews;
mod network;
mod radio;
mod software;

use network::{AccessFault, Courier, Host, Network};

/// What carrying a message through a gateway needs of the world (see [`Courier`]), borrowed
/// field by field so the network can be borrowed beside it.
macro_rules! courier {
    ($world:expr) => {
        Courier {
            acc: &mut $world.acc,
            observer: &mut $world.observer,
            senders: &mut $world.devices,
            horizon: $world.horizon,
        }
    };
}

use super::sketch::DurationSketch;
pub use accounts::QueueStats;
use accounts::{Accounts, Closing};
use radio::{LoRaRt, Radio, Transmission};

pub use crews::CrewStats;
use crews::{Crews, Work};

pub use software::SoftStats;
use software::{BRICKED, EXPIRED, Software};
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
    pub site_stale: Vec<Ticks>,
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
}

/// Slices of the horizon in [`Outcome::series`].
pub const SERIES_SLICES: usize = 100;

/// Per-device state, kept small: a million devices must fit in well under a gigabyte.
#[derive(Debug)]
struct Device {
    traffic: Stream,
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
    /// `model::degradation`). Takes the Device's last spare byte (48 bytes in all).
    degraded: bool,
}

// A million devices must stay small: degradation took the last spare byte.
const _: () = assert!(std::mem::size_of::<Device>() == 48);

impl Device {
    /// The device's fleet.
    #[inline(always)]
    fn fleet(&self) -> usize {
        self.fleet as usize
    }

    /// The device's traffic stream: report timing and the fate of its messages on each hop.
    #[inline(always)]
    fn traffic(&mut self) -> &mut Stream {
        &mut self.traffic
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
    /// Where the fleet's devices' clocks start in `World::clocks` (fleets with batteries or
    /// planned replacement only).
    first_clock: u32,
    lora: Option<LoRaRt>,
    /// Readings each device can keep while it cannot reach a gateway, and where the fleet's
    /// device buffers start in `World::device_buffers`.
    device_buffer: u64,
    first_buffer: u32,
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
    seed: u64,
    replication: u64,
    /// Where the run ends and its accounts close: the scenario's horizon, or the fleet end of
    /// life found by a first pass.
    horizon: Ticks,
    devices: Vec<Device>,
    fleets: Vec<FleetRt>,
    /// Gateways, carriers, common causes, faults, failover places and paths.
    net: Network,
    /// Creation time and device of messages whose access delay does not fit 32 bits.
    long_delays: Vec<Msg>,
    free_long: Vec<u32>,
    to_gateway_in_flight: u64,
    /// What the replication measures (read once, at the end).
    acc: Accounts,
    /// LoRa channels and duty cycles.
    radio: Radio,
    /// Per device of a fleet with device buffers: readings kept while no gateway is reachable.
    device_buffers: Vec<VecDeque<Msg>>,
    /// Per device of a fleet with batteries or planned replacement: its lifecycle clocks.
    clocks: Vec<Clocks>,
    /// Certificates and firmware campaigns.
    software: Software,
    /// Repair crews, their jobs and spare parts (empty without crews).
    crews: Crews,
    /// Flow mode's aggregate accounting; `None` in packet mode.
    flow: Option<Box<flow::Flow>>,
    /// Dead devices per fleet, when a fleet sets `stop_when_dead`, and the first instant one
    /// reached its share.
    dead_watch: Option<DeadWatch>,
    end_of_life: Option<Ticks>,
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

impl World<Silent> {
    /// Runs the replication to its horizon and returns what it measured, after checking that
    /// every message is accounted for.
    pub fn run(dep: &Deployment, replication: u64) -> Result<Outcome, ConservationError> {
        World::run_observed(dep, replication, Silent).map(|(outcome, _)| outcome)
    }

    /// Builds replication `replication` of `dep` and schedules its first events.
    pub fn new(dep: &Deployment, replication: u64, sched: &mut Scheduler<Packed>) -> World {
        World::with_observer(dep, replication, sched, Silent)
    }

    /// The first pass of a run with `stop_when_dead`: the instant a fleet reaches its share of
    /// dead devices, or `None` if the horizon comes first.
    fn find_end_of_life(
        dep: &Deployment,
        replication: u64,
        custom: CustomPolicies<'_>,
        flow: bool,
        capacity: usize,
    ) -> Option<Ticks> {
        let mut sched = Scheduler::with_capacity(capacity);
        let mut world = World::build(
            dep,
            replication,
            &mut sched,
            Silent,
            custom,
            flow,
            dep.horizon,
        );
        sched.run_until(&mut world, dep.horizon, |w| w.end_of_life.is_some())
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
            false,
            dep.horizon,
        )
    }

    /// Builds the world in packet mode, or in flow mode (`flow`), to run until `end` (the
    /// horizon, or earlier for a fleet end of life), and schedules its first events.
    fn build(
        dep: &Deployment,
        replication: u64,
        sched: &mut Scheduler<Packed>,
        observer: O,
        custom: CustomPolicies<'_>,
        flow: bool,
        end: Ticks,
    ) -> World<O> {
        let horizon = end;
        let key = |entity: u64, process: u64| StreamKey {
            seed: dep.seed,
            replication,
            entity,
            process,
        };
        let (mut fleets, buffered_devices, clocked_devices) = build::fleets(dep);
        let (radio, radios) = Radio::new(dep);
        for (fleet, rt) in fleets.iter_mut().zip(radios) {
            fleet.lora = rt;
        }
        let devices = build::devices(dep, &key);
        let net = Network::new(dep, &key, custom, horizon);
        let mut world = World {
            observer,
            seed: dep.seed,
            replication,
            horizon,
            devices,
            fleets,
            net,
            long_delays: vec![],
            free_long: vec![],
            to_gateway_in_flight: 0,
            acc: Accounts::new(dep, horizon),
            radio,
            // Flow mode keeps device buffers in aggregate (`flow/kept.rs`).
            device_buffers: vec![VecDeque::new(); if flow { 0 } else { buffered_devices as usize }],
            clocks: vec![Clocks::default(); clocked_devices as usize],
            software: Software::new(dep, replication),
            crews: Crews::new(dep, replication),
            flow: flow.then(|| Box::new(flow::Flow::new(dep, replication))),
            dead_watch: DeadWatch::new(dep),
            end_of_life: None,
        };
        if flow {
            world.acc.without_message_statistics();
        }
        world.schedule_start(sched);
        world
    }

    fn schedule_start(&mut self, sched: &mut Scheduler<Packed>) {
        let packets = self.flow.is_none();
        for d in 0..self.devices.len() {
            let dev = &mut self.devices[d];
            let fleet = &self.fleets[dev.fleet as usize];
            if packets {
                let period = fleet.report.nominal_period();
                let phase = if period == 0 {
                    0
                } else {
                    dev.traffic.random_range(0..period)
                };
                sched.schedule_at(phase, Event::Emit(d as u32).into());
            }
            let fleet = dev.fleet as usize;
            let f = &self.fleets[fleet];
            if f.life.has_clocks() {
                let mut stream = self.life_stream(d as u32);
                let f = &self.fleets[fleet];
                let age = f.life.age.as_ref().map_or(0, |a| a.sample(&mut stream));
                let clock = f.first_clock as usize + (d - f.first_device as usize);
                self.clocks[clock] =
                    Clocks::start(&f.life, f.failure.as_ref(), 0, age, &mut stream);
                self.schedule_next_change(sched, d as u32);
                self.schedule_degradation(sched, d as u32);
            } else if f.failure.is_some() {
                let mut stream = self.life_stream(d as u32);
                let f = &self.fleets[fleet];
                if let Some(failure) = &f.failure {
                    let at = match &failure.steady {
                        // In steady state: found down (a failure at 0, whose repair time left
                        // is drawn from the repair's equilibrium law), or up for a draw of the
                        // lifetime's.
                        Some(s) if stream.random::<f64>() < s.down => 0,
                        Some(s) => s.lifetime.sample(&mut stream),
                        None => {
                            let age = f.life.age.as_ref().map_or(0, |a| a.sample(&mut stream));
                            lifecycle::lifetime(failure, f.life.cold_spares, age, &mut stream)
                        }
                    };
                    sched.schedule_at(at, Event::DeviceFail(d as u32).into());
                }
            }
        }
        self.net.schedule_outages(sched);
        self.software.schedule_start(sched);
        self.net.schedule_faults(sched);
        self.schedule_inspections(sched);
        self.with_network(|net, world| net.start(sched, world));
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

    /// Runs the replication to its horizon with `observer`, and returns what it measured and
    /// the observer, after checking that every message is accounted for.
    pub fn run_observed(
        dep: &Deployment,
        replication: u64,
        observer: O,
    ) -> Result<(Outcome, O), ConservationError> {
        World::run_with_policies(dep, replication, observer, &no_custom_policies)
    }

    /// As [`World::run_with_policies`], in flow mode (`flow`) or packet mode.
    pub fn run_in_mode(
        dep: &Deployment,
        replication: u64,
        observer: O,
        custom: CustomPolicies<'_>,
        flow: bool,
    ) -> Result<(Outcome, O), ConservationError> {
        let capacity = if flow {
            World::<Silent>::queue_capacity(dep) / 2
        } else {
            World::<Silent>::queue_capacity(dep)
        };
        let mut sched = Scheduler::with_capacity(capacity);
        let mut observer = observer;
        // A fleet end of life (`stop_when_dead`) is found by a first pass that stops at it;
        // the second pass runs to it, so every account closes there exactly as at a horizon
        // (a message arriving at or after it is in flight). Randomness is keyed by what it
        // describes, so both passes are the same world up to that instant.
        let end_of_life = if !dep.stops_when_dead() {
            None
        } else if O::ENABLED {
            World::<Silent>::find_end_of_life(dep, replication, custom, flow, capacity)
        } else {
            // The observer sees nothing, so the first pass can be the run itself: a
            // replication that reaches the horizon needs no second pass.
            let mut world = World::build(
                dep,
                replication,
                &mut sched,
                observer,
                custom,
                flow,
                dep.horizon,
            );
            match sched.run_until(&mut world, dep.horizon, |w| w.end_of_life.is_some()) {
                None => return world.finish(sched.processed()),
                Some(t) => {
                    observer = world.observer;
                    sched = Scheduler::with_capacity(capacity);
                    Some(t)
                }
            }
        };
        // The run takes in every event of the instant it ends at (the horizon is exclusive),
        // so the deaths that end it are counted; one tick is 1 µs, too short to move a share.
        let end = end_of_life.map_or(dep.horizon, |t| t.saturating_add(1).min(dep.horizon));
        let mut world = World::build(dep, replication, &mut sched, observer, custom, flow, end);
        if dep.warmup > 0 && dep.warmup < end {
            sched.run(&mut world, dep.warmup);
            world.warm_up(dep.warmup);
        }
        sched.run(&mut world, end);
        let (mut outcome, observer) = world.finish(sched.processed())?;
        outcome.end_of_life = end_of_life;
        Ok((outcome, observer))
    }

    /// As [`World::run_observed`], with failover policies from `custom` (see
    /// [`World::with_policies`]).
    pub fn run_with_policies(
        dep: &Deployment,
        replication: u64,
        observer: O,
        custom: CustomPolicies<'_>,
    ) -> Result<(Outcome, O), ConservationError> {
        World::run_in_mode(dep, replication, observer, custom, false)
    }

    /// The warm-up ends at `now`: flow mode accounts its aggregate messages up to now, then
    /// the accounts restart their counts.
    fn warm_up(&mut self, now: Ticks) {
        if let Some(comps) = self.flow.as_ref().map(|f| f.component_count()) {
            self.with_network(|net, world| {
                for c in 0..comps {
                    world.settle_component(net, c, now);
                }
            });
        }
        self.acc.warm_up(now);
    }

    fn finish(mut self, events: u64) -> Result<(Outcome, O), ConservationError> {
        let end_of_life = self.end_of_life;
        self.flow_finish();
        if O::ENABLED {
            self.trace_leftovers();
        }
        let horizon = self.horizon;
        self.acc.ledger.buffered_at_horizon += self.net.held();
        self.acc.ledger.buffered_at_horizon += self
            .device_buffers
            .iter()
            .map(|b| b.len() as u64)
            .sum::<u64>();
        self.acc.ledger.in_flight_at_horizon += self.to_gateway_in_flight;
        self.acc.ledger.check_conservation()?;
        let gateway_busy = self.net.busy_times(horizon);
        let closing = Closing {
            horizon,
            end_of_life,
            events,
            devices: self.devices.len() as u64,
            gateways: self.net.gateway_count() as u64,
            gateway_connectivity: self.net.connectivity(),
            gateway_busy,
            crews: self.crews.finish(horizon),
            soft: self.software.finish(),
        };
        let outcome = self.acc.into_outcome(closing);
        Ok((outcome, self.observer))
    }

    /// Reports the messages still buffered or on an access link at the horizon, so that in a
    /// trace every generated message has exactly one final step.
    fn trace_leftovers(&mut self) {
        let now = self.horizon;
        for (gateway, m) in self.net.held_messages() {
            let step = Trace::BufferedAtHorizon {
                msg: m.id(),
                gateway,
            };
            self.observer.observe(now, step);
        }
        let mut free = vec![false; self.long_delays.len()];
        for &slot in &self.free_long {
            free[slot as usize] = true;
        }
        for (m, _) in self.long_delays.iter().zip(&free).filter(|(_, f)| !**f) {
            self.observer
                .observe(now, Trace::OnAccessLinkAtHorizon(m.id()));
        }
        for m in self.device_buffers.iter().flatten() {
            self.observer.observe(now, Trace::OnDeviceAtHorizon(m.id()));
        }
        for m in self.radio.on_air() {
            self.observer
                .observe(now, Trace::OnAccessLinkAtHorizon(m.id()));
        }
    }

    /// A device is due to report: the message is generated whatever the device's state, so a
    /// down device shows up as lost data, not as less data expected.
    fn emit(&mut self, sched: &mut Scheduler<Packed>, d: u32) {
        let dev = &mut self.devices[d as usize];
        let fleet = &self.fleets[dev.fleet as usize];
        let now = sched.now();
        sched.schedule_at(
            now.saturating_add(fleet.report.sample(&mut dev.traffic)),
            Event::Emit(d).into(),
        );
        let mut msg = Msg {
            created: now,
            queued: now,
            device: d,
            seq: dev.sent & !BAD,
        };
        dev.sent = dev.sent.wrapping_add(1);
        self.acc.generated(now);
        self.observer.observe(now, Trace::Generated(msg.id()));
        if !dev.up {
            return self.lose(now, msg, LossCause::DeviceDown);
        }
        let flags = self.software.flags(dev.fleet as usize, d);
        if flags != 0 {
            if flags & BRICKED != 0 {
                return self.lose(now, msg, LossCause::Firmware);
            }
            if flags & EXPIRED != 0 {
                return self.lose(now, msg, LossCause::AuthExpired);
            }
        }
        if dev.degraded
            && let Some(spec) = &fleet.life.degradation
        {
            match degradation::reading(spec.effect, &mut dev.traffic) {
                Reading::Good => {}
                Reading::Bad => msg.seq |= BAD,
                Reading::Dropped => return self.lose(now, msg, LossCause::SensorDropout),
            }
        }
        if fleet.device_buffer > 0 {
            let f = dev.fleet as usize;
            if !self.net.reachable(f, d) {
                return self.keep_on_device(now, f, msg);
            }
            return self.send_access(sched, msg);
        }
        if let Some(rt) = fleet.lora {
            if !self.radio.may_transmit(&rt, d - fleet.first_device, now) {
                return self.lose(now, msg, LossCause::DutyCycle);
            }
            let channel = match rt.channels {
                1 => 0,
                n => dev.traffic.random_range(0..n),
            };
            self.to_gateway_in_flight += 1;
            return self.transmit(sched, &rt, channel, msg);
        }
        let Some(delay) = fleet.access.cross(&mut dev.traffic, &mut dev.access_bad) else {
            return self.lose(now, msg, LossCause::LinkLoss);
        };
        self.to_gateway_in_flight += 1;
        self.send_to_gateway(sched, msg, now.saturating_add(delay));
    }

    /// Sends `msg` over its device's access link now.
    fn send_access(&mut self, sched: &mut Scheduler<Packed>, msg: Msg) {
        let now = sched.now();
        let dev = &mut self.devices[msg.device as usize];
        let fleet = &self.fleets[dev.fleet as usize];
        let Some(delay) = fleet.access.cross(&mut dev.traffic, &mut dev.access_bad) else {
            return self.lose(now, msg, LossCause::LinkLoss);
        };
        self.to_gateway_in_flight += 1;
        self.send_to_gateway(sched, msg, now.saturating_add(delay));
    }

    /// Keeps a reading on its device while no gateway is reachable (the newest is dropped
    /// when the device's buffer is full).
    fn keep_on_device(&mut self, now: Ticks, f: usize, msg: Msg) {
        let fleet = &self.fleets[f];
        let i = (fleet.first_buffer + msg.device - fleet.first_device) as usize;
        let buffer = &mut self.device_buffers[i];
        if buffer.len() as u64 >= fleet.device_buffer {
            return self.lose(now, msg, LossCause::BufferOverflow);
        }
        buffer.push_back(msg);
        let occupancy = buffer.len() as u64;
        self.observer.observe(
            now,
            Trace::BufferedOnDevice {
                msg: msg.id(),
                occupancy,
            },
        );
    }

    /// Devices of group `group`'s fleets that can reach a gateway again send what they kept.
    fn flush_devices(&mut self, sched: &mut Scheduler<Packed>, net: &mut Network, group: usize) {
        if self.flow.is_some() {
            return self.flow_flush_devices(net, sched.now(), group);
        }
        for i in 0..net.group_fleets(group).len() {
            let f = net.group_fleets(group)[i] as usize;
            let fleet = &self.fleets[f];
            if fleet.device_buffer == 0 {
                continue;
            }
            let (first, first_buffer) = (fleet.first_device, fleet.first_buffer);
            let count = self
                .fleets
                .get(f + 1)
                .map_or(self.devices.len() as u32, |n| n.first_device)
                - first;
            for k in 0..count {
                let b = (first_buffer + k) as usize;
                if self.device_buffers[b].is_empty() || !net.reachable(f, first + k) {
                    continue;
                }
                let kept = std::mem::take(&mut self.device_buffers[b]);
                for msg in kept {
                    self.send_access(sched, msg);
                }
            }
        }
    }

    /// Schedules `msg`'s arrival at the end of its access link at `at`.
    fn send_to_gateway(&mut self, sched: &mut Scheduler<Packed>, msg: Msg, at: Ticks) {
        let d = msg.device;
        let delay = at - msg.created;
        // A traced run sends every message through the side table, which keeps its sequence
        // number; the events and their order are the same either way.
        let event = match u32::try_from(delay) {
            Ok(delay) if !O::ENABLED && msg.bad() => Event::ArriveBad { device: d, delay },
            Ok(delay) if !O::ENABLED => Event::Arrive { device: d, delay },
            _ => {
                let slot = match self.free_long.pop() {
                    Some(slot) => {
                        self.long_delays[slot as usize] = msg;
                        slot
                    }
                    None => {
                        self.long_delays.push(msg);
                        (self.long_delays.len() - 1) as u32
                    }
                };
                Event::ArriveLong { slot }
            }
        };
        sched.schedule_at(at, event.into());
    }

    /// A LoRa transmission of `msg` starts now on channel `channel` of its fleet's radio
    /// `rt`; the earlier transmission it overlaps, if any, is settled.
    fn transmit(&mut self, sched: &mut Scheduler<Packed>, rt: &LoRaRt, channel: u32, msg: Msg) {
        let (c, end, earlier) = self.radio.transmit(rt, channel, msg, sched.now());
        if let Some((tx, lost)) = earlier {
            self.settle_transmission(sched, tx, lost);
        }
        sched.schedule_at(end, Event::ChannelFree(c).into());
    }

    /// Channel `c`'s pending transmission ends now, unless a later one replaced it.
    fn channel_free(&mut self, sched: &mut Scheduler<Packed>, c: u32) {
        if let Some((tx, lost)) = self.radio.channel_free(c, sched.now()) {
            self.settle_transmission(sched, tx, lost);
        }
    }

    /// A LoRa transmission is over: lost to a collision, or on to the gateway over the access
    /// link (its loss and latency on top of the time on air).
    fn settle_transmission(&mut self, sched: &mut Scheduler<Packed>, tx: Transmission, lost: bool) {
        let now = sched.now();
        self.to_gateway_in_flight -= 1;
        if lost {
            return self.lose(now, tx.msg, LossCause::Collision);
        }
        let dev = &mut self.devices[tx.msg.device as usize];
        let fleet = &self.fleets[dev.fleet as usize];
        let Some(delay) = fleet.access.cross(&mut dev.traffic, &mut dev.access_bad) else {
            return self.lose(now, tx.msg, LossCause::LinkLoss);
        };
        self.to_gateway_in_flight += 1;
        self.send_to_gateway(sched, tx.msg, tx.end.max(now).saturating_add(delay));
    }

    #[inline(always)]
    fn lose(&mut self, now: Ticks, msg: Msg, cause: LossCause) {
        self.acc.lost(cause);
        self.observer.observe(now, Trace::Lost(msg.id(), cause));
    }

    /// A message reaches the end of its access link: off the link, into the network.
    #[inline]
    fn arrive(&mut self, sched: &mut Scheduler<Packed>, msg: Msg) {
        self.to_gateway_in_flight -= 1;
        self.net.arrive(sched, &mut courier!(self), msg);
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

    /// The stream for device `d`'s next lifecycle draw (and counts the draw).
    fn life_stream(&mut self, d: u32) -> Stream {
        let dev = &mut self.devices[d as usize];
        let fleet = &self.fleets[dev.fleet as usize];
        let draw = dev.life_draws as u64;
        dev.life_draws += 1;
        StreamKey {
            seed: self.seed,
            replication: self.replication,
            entity: member_key(fleet.key, (d - fleet.first_device) as u64),
            process: process::LIFECYCLE | (draw + 1) << 32,
        }
        .stream()
    }

    /// The clock index of device `d` (in a fleet with clocks).
    fn clock_of(&self, d: u32) -> usize {
        let f = &self.fleets[self.devices[d as usize].fleet as usize];
        (f.first_clock + (d - f.first_device)) as usize
    }

    /// Schedules the earliest of device `d`'s clocks, remembering its cause.
    fn schedule_next_change(&mut self, sched: &mut Scheduler<Packed>, d: u32) {
        let clock = self.clock_of(d);
        let (at, cause) = self.clocks[clock].next();
        if at == lifecycle::NEVER {
            self.clocks[clock].scheduled_at = lifecycle::NEVER;
            return;
        }
        let at = at.max(sched.now());
        self.clocks[clock].scheduled_at = at;
        self.clocks[clock].cause = cause;
        sched.schedule_at(at, Event::DeviceFail(d).into());
    }

    /// A change of a device with clocks: it goes down for a failure, a flat battery or a
    /// planned replacement, or comes back (repaired, recharged or replaced).
    #[expect(
        clippy::expect_used,
        reason = "a battery change is scheduled only for a fleet with a battery (Clocks::next)"
    )]
    fn clocked_device_changed(&mut self, sched: &mut Scheduler<Packed>, d: u32, up: bool) {
        let now = sched.now();
        let fleet = self.devices[d as usize].fleet as usize;
        let clock = self.clock_of(d);
        let cause = self.clocks[clock].cause;
        if !up && self.clocks[clock].scheduled_at != now {
            // Scheduled for a unit an inspection has replaced since: not this unit's change.
            return;
        }
        let mut stream = self.life_stream(d);
        let f = &self.fleets[fleet];
        if up {
            match cause {
                lifecycle::BATTERY => {
                    let spec = f.life.battery.as_ref().expect("a battery went flat");
                    self.clocks[clock].new_battery(spec, now, &mut stream);
                }
                // A repair or a replacement puts a new unit, with a new battery, in service.
                _ => {
                    self.clocks[clock] =
                        Clocks::start(&f.life, f.failure.as_ref(), now, 0, &mut stream);
                    self.unit_renewed(sched, d);
                }
            }
            self.set_device_up(now, d, true);
            self.schedule_next_change(sched, d);
            return;
        }
        let down_for = match cause {
            lifecycle::FAILURE => {
                self.acc.device_failures += 1;
                self.acc.fleet_failures[fleet] += 1;
                f.failure.as_ref().map(|x| x.repair.sample(&mut stream))
            }
            lifecycle::BATTERY => {
                self.acc.life_stats.battery_depletions += 1;
                self.acc.life_stats.battery_life_sum += self.clocks[clock].battery_life as u128;
                if !self.devices[d as usize].failed {
                    self.devices[d as usize].failed = true;
                    self.acc.life_stats.first_depletions[slice_of(now, self.acc.span)] += 1;
                }
                let swap = f.life.battery.as_ref().and_then(|b| b.swap.as_ref());
                match swap {
                    Some(swap) => {
                        self.acc.life_stats.fleet_battery_swaps[fleet] += 1;
                        Some(swap.sample(&mut stream))
                    }
                    None => {
                        self.acc.life_stats.dead += 1;
                        None
                    }
                }
            }
            _ => {
                self.acc.life_stats.planned_replacements += 1;
                self.acc.life_stats.fleet_replacements[fleet] += 1;
                match f.life.replace.as_ref().and_then(|r| r.downtime.as_ref()) {
                    Some(downtime) => Some(downtime.sample(&mut stream)),
                    None => {
                        // Swapped without interruption: a new unit at once.
                        let f = &self.fleets[fleet];
                        self.clocks[clock] =
                            Clocks::start(&f.life, f.failure.as_ref(), now, 0, &mut stream);
                        self.unit_renewed(sched, d);
                        self.schedule_next_change(sched, d);
                        return;
                    }
                }
            }
        };
        self.set_device_up(now, d, false);
        if let Some(after) = down_for {
            // A failed unit at a crew's site waits for a technician; battery swaps and planned
            // replacements keep their own delays.
            match self.crews.of_fleet(fleet) {
                Some(c) if cause == lifecycle::FAILURE => {
                    self.crews.raise_job(sched, c, Work::Device(d), after, true)
                }
                _ => {
                    sched.schedule_at(now.saturating_add(after), Event::DeviceRepair(d).into());
                }
            }
        }
    }

    /// Records device `d` going up or down: its flag, availability and the trace.
    fn set_device_up(&mut self, now: Ticks, d: u32, up: bool) {
        self.watch_dead(now, d, up);
        self.devices[d as usize].up = up;
        if up {
            self.acc.device_down.came_up(now);
        } else {
            self.acc.device_down.went_down(now);
        }
        self.observer.observe(
            now,
            if up {
                Trace::DeviceUp(d)
            } else {
                Trace::DeviceDown(d)
            },
        );
    }

    /// Counts device `d` going down or up (before its flag changes) for `stop_when_dead`, and
    /// notes the first instant a fleet reaches its share of dead devices.
    #[inline]
    fn watch_dead(&mut self, now: Ticks, d: u32, up: bool) {
        let Some(watch) = &mut self.dead_watch else {
            return;
        };
        let dev = &self.devices[d as usize];
        if dev.up != up && watch.changed(dev.fleet as usize, up) && self.end_of_life.is_none() {
            self.end_of_life = Some(now);
        }
    }

    fn device_changed(&mut self, sched: &mut Scheduler<Packed>, d: u32, up: bool) {
        let fleet = self.devices[d as usize].fleet as usize;
        if self.fleets[fleet].life.has_clocks() {
            return self.clocked_device_changed(sched, d, up);
        }
        let now = sched.now();
        self.watch_dead(now, d, up);
        self.devices[d as usize].up = up;
        if !up && !self.devices[d as usize].failed {
            self.devices[d as usize].failed = true;
            self.acc.first_failures[slice_of(now, self.acc.span)] += 1;
        }
        self.acc.device_failures += !up as u64;
        self.acc.fleet_failures[self.devices[d as usize].fleet as usize] += !up as u64;
        self.observer.observe(
            now,
            if up {
                Trace::DeviceUp(d)
            } else {
                Trace::DeviceDown(d)
            },
        );
        let mut stream = self.life_stream(d);
        let Some(f) = &self.fleets[self.devices[d as usize].fleet as usize].failure else {
            return;
        };
        let next = if up {
            self.acc.device_down.came_up(now);
            Event::DeviceFail(d)
        } else {
            self.acc.device_down.went_down(now);
            Event::DeviceRepair(d)
        };
        let after = match &f.steady {
            _ if up => lifecycle::lifetime(f, self.fleets[fleet].life.cold_spares, 0, &mut stream),
            // A unit that starts in steady state and is down at 0 is part-way through a repair.
            Some(s) if now == 0 => s.repair.sample(&mut stream),
            _ => f.repair.sample(&mut stream),
        };
        match self.crews.of_fleet(fleet) {
            Some(c) if !up => self.crews.raise_job(sched, c, Work::Device(d), after, true),
            _ => {
                sched.schedule_at(now.saturating_add(after), next.into());
            }
        }
    }
}

/// The slice of the horizon that time `t` falls in.
#[inline(always)]
fn slice_of(t: Ticks, horizon: Ticks) -> usize {
    // Horizons are at most 1000 years (3.2e16 µs), so t × 100 fits in 64 bits.
    ((t.saturating_mul(SERIES_SLICES as u64) / horizon.max(1)) as usize).min(SERIES_SLICES - 1)
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

    fn group_reachable(&mut self, sched: &mut Scheduler<Packed>, net: &mut Network, group: usize) {
        self.flush_devices(sched, net, group);
    }

    fn gateway_refreshed(&mut self, sched: &mut Scheduler<Packed>, net: &mut Network, g: usize) {
        if self.flow.is_some() {
            return self.flow_drain(net, sched.now(), g);
        }
        net.drain(sched, &mut courier!(self), g);
    }
}

impl<O: Observer> Model for World<O> {
    type Event = Packed;

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
            | Event::ServiceDone(_)
            | Event::ChannelFree(_) => {}
            // A state change: in flow mode, the telemetry it affects is settled first.
            _ if self.flow.is_some() => self.flow_before(sched, event),
            _ => {}
        }
        match event {
            Event::Emit(d) => self.emit(sched, d),
            Event::Arrive { device, delay } => {
                let created = sched.now() - delay as Ticks;
                // The sequence number travels only through the side table (traced runs).
                let msg = Msg {
                    created,
                    queued: created,
                    device,
                    seq: 0,
                };
                self.arrive(sched, msg);
            }
            Event::ArriveBad { device, delay } => {
                let created = sched.now() - delay as Ticks;
                let msg = Msg {
                    created,
                    queued: created,
                    device,
                    seq: BAD,
                };
                self.arrive(sched, msg);
            }
            Event::ArriveLong { slot } => {
                let msg = self.long_delays[slot as usize];
                self.free_long.push(slot);
                self.arrive(sched, msg);
            }
            Event::DeviceFail(d) => self.device_changed(sched, d, false),
            Event::DeviceRepair(d) => self.device_changed(sched, d, true),
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
            Event::ServiceDone(g) => self
                .net
                .service_done(sched, &mut courier!(self), g as usize),
            Event::FaultBegin(i) => self.fault(sched, i as usize, true),
            Event::FaultEnd(i) => self.fault(sched, i as usize, false),
            Event::Cause { index, up } => {
                self.with_network(|net, w| net.cause(sched, w, index as usize, up))
            }
            Event::ChannelFree(c) => self.channel_free(sched, c),
            Event::Cert { device, step } => {
                let dev = &self.devices[device as usize];
                let (f, up) = (dev.fleet as usize, dev.up);
                self.software.cert_step(sched, f, device, up, step);
            }
            Event::Wave { campaign, wave } => {
                let devices = &self.devices;
                let up = |d: u32| devices[d as usize].up;
                let (c, crews) = (campaign as usize, &mut self.crews);
                self.software.firmware_wave(sched, crews, up, c, wave);
            }
            Event::Unbrick(d) => {
                let f = self.devices[d as usize].fleet as usize;
                self.software.unbrick(f, d);
            }
            Event::DeviceDegrade(d) => self.degrade(sched, d),
            Event::Inspect(f) => self.inspect(sched, f as usize),
            Event::JobDone { .. } | Event::PartArrives(_) => {}
            Event::PolicyTimer { place, token } => {
                self.with_network(|net, w| net.policy_timer(sched, w, place as usize, token))
            }
        }
        if self.flow.is_some() {
            // The device (or fleet) the event changed moves between its fleet's states.
            self.flow_after();
        }
    }
}

/// Sensor degradation and condition-based maintenance (see `model::degradation`): hooks kept
/// apart from the message path above.
impl<O: Observer> World<O> {
    /// Schedules the onset of device `d`'s sensor degradation, if its unit has one coming.
    fn schedule_degradation(&mut self, sched: &mut Scheduler<Packed>, d: u32) {
        let at = self.clocks[self.clock_of(d)].degrade_at;
        if at != lifecycle::NEVER {
            sched.schedule_at(at.max(sched.now()), Event::DeviceDegrade(d).into());
        }
    }

    /// Device `d`'s sensor degrades now, if this onset is still its unit's.
    fn degrade(&mut self, sched: &mut Scheduler<Packed>, d: u32) {
        let now = sched.now();
        let clock = self.clock_of(d);
        if self.clocks[clock].degrade_at.max(now) != now || self.devices[d as usize].degraded {
            return;
        }
        self.clocks[clock].degrade_at = lifecycle::NEVER;
        self.devices[d as usize].degraded = true;
        self.acc.degradation.onsets += 1;
        self.acc.degradation.degraded.went_down(now);
        self.observer.observe(now, Trace::DeviceDegraded(d));
    }

    /// Device `d` has a new unit (its clocks restarted): a degraded sensor is gone, and the
    /// new one's onset is scheduled.
    fn unit_renewed(&mut self, sched: &mut Scheduler<Packed>, d: u32) {
        let dev = &mut self.devices[d as usize];
        if dev.degraded {
            dev.degraded = false;
            self.acc.degradation.degraded.came_up(sched.now());
        }
        self.schedule_degradation(sched, d);
    }

    /// The first inspection of every fleet with condition-based maintenance.
    fn schedule_inspections(&mut self, sched: &mut Scheduler<Packed>) {
        for (f, fleet) in self.fleets.iter().enumerate() {
            if let Some(i) = fleet.life.degradation.as_ref().and_then(|d| d.inspection) {
                sched.schedule_at(i.every, Event::Inspect(f as u32).into());
            }
        }
    }

    /// Fleet `f` is inspected: each working degraded device is found with the inspection's
    /// detection probability (a draw of its own lifecycle stream) and replaced by a new unit
    /// on the spot.
    fn inspect(&mut self, sched: &mut Scheduler<Packed>, f: usize) {
        let now = sched.now();
        let Some(spec) = self.fleets[f]
            .life
            .degradation
            .as_ref()
            .and_then(|d| d.inspection)
        else {
            return;
        };
        self.acc.degradation.inspections += 1;
        sched.schedule_at(
            now.saturating_add(spec.every),
            Event::Inspect(f as u32).into(),
        );
        let first = self.fleets[f].first_device;
        let end = self
            .fleets
            .get(f + 1)
            .map_or(self.devices.len() as u32, |n| n.first_device);
        for d in first..end {
            let dev = &self.devices[d as usize];
            if !(dev.degraded && dev.up) {
                continue;
            }
            let mut stream = self.life_stream(d);
            if stream.random::<f64>() >= spec.detection {
                continue;
            }
            let clock = self.clock_of(d);
            let fleet = &self.fleets[f];
            self.clocks[clock] =
                Clocks::start(&fleet.life, fleet.failure.as_ref(), now, 0, &mut stream);
            self.acc.degradation.condition_replacements += 1;
            self.observer.observe(now, Trace::DeviceReplaced(d));
            self.unit_renewed(sched, d);
            self.schedule_next_change(sched, d);
        }
    }
}
