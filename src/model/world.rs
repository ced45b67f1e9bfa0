//! One replication of a deployment in packet mode: every message is an event on its way from
//! device to gateway, then forwarded, buffered or lost there.
//!
//! State lives in flat arrays indexed by device, gateway and carrier (DESIGN.md invariant 5).
//! Message generation, hop decisions and accounting are separate steps (`emit`, `at_gateway`,
//! `forward`) writing to one [`Ledger`], so that a flow mode can later account the same
//! telemetry in aggregate between two state changes.

use std::collections::VecDeque;

use rand::RngExt;

use crate::engine::random::member_key;
use crate::engine::{DurationDist, Model, Scheduler, Stream, StreamKey, Ticks};
use crate::scenario::{Deployment, FailureSpec, FaultSpec, FaultTarget, Unit};

use super::event::{Event, Packed};
use super::ledger::{ConservationError, Downtime, Ledger, LossCause};
use super::link::Hop;
use super::trace::{MessageId, Observer, Silent, Trace};

/// Process labels: the last coordinate of a stream key.
pub mod process {
    /// A device's report timing and the fate of its messages on each hop.
    pub const TRAFFIC: u64 = 1;
    /// Failures and repairs of a device or gateway. A device's k-th draw uses process
    /// `LIFECYCLE | (k + 1) << 32`.
    pub const LIFECYCLE: u64 = 2;
    /// A carrier's outages.
    pub const OUTAGES: u64 = 3;
}

/// What one replication measured.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub ledger: Ledger,
    pub device_availability: f64,
    pub gateway_availability: f64,
    /// Share of gateway-time with at least one working uplink.
    pub uplink_availability: f64,
    /// Share of gateway-time able to forward to the cloud (gateway up and an uplink working).
    pub connectivity_availability: f64,
    pub carrier_outages: u64,
    pub peak_buffered: u64,
    pub events: u64,
}

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
}

/// One uplink of a gateway: its carrier, its hop and the hop's bursty-loss state.
#[derive(Debug)]
struct UplinkRt {
    carrier: usize,
    hop: Hop,
    bad: bool,
}

#[derive(Debug)]
struct FleetRt {
    key: u64,
    first_device: u32,
    gateway: u32,
    report: DurationDist,
    access: Hop,
    failure: Option<FailureSpec>,
}

#[derive(Clone, Copy, Debug)]
struct Msg {
    created: Ticks,
    device: u32,
    seq: u32,
}

impl Msg {
    fn id(&self) -> MessageId {
        MessageId {
            device: self.device,
            seq: self.seq,
        }
    }
}

/// Whether a unit (carrier or gateway) works: up when its own random process says up and no
/// scripted fault holds it down.
#[derive(Clone, Copy, Debug)]
struct Health {
    /// The effective state, as of the last [`Health::settle`]; read on the hot path.
    up: bool,
    random_up: bool,
    faults: u32,
}

impl Health {
    const UP: Health = Health {
        up: true,
        random_up: true,
        faults: 0,
    };

    /// Brings the effective state up to date with the process and the faults; returns the new
    /// state if it changed.
    fn settle(&mut self) -> Option<bool> {
        let up = self.random_up && self.faults == 0;
        (up != self.up).then(|| {
            self.up = up;
            up
        })
    }
}

#[derive(Debug)]
struct GatewayRt {
    health: Health,
    /// Index into `uplinks` of the working uplink that carries traffic, if any.
    active: Option<usize>,
    uplinks: Vec<UplinkRt>,
    capacity: u64,
    drain_interval: Option<Ticks>,
    buffer: VecDeque<Msg>,
    draining: bool,
    life: Stream,
    failure: Option<FailureSpec>,
}

impl GatewayRt {
    fn can_forward(&self) -> bool {
        self.health.up && self.active.is_some()
    }
}

#[derive(Debug)]
struct CarrierRt {
    health: Health,
    stream: Stream,
    outages: Option<FailureSpec>,
    /// Gateways with an uplink through this carrier.
    users: Vec<u32>,
}

/// The run-time state of one replication.
pub struct World<O: Observer = Silent> {
    observer: O,
    seed: u64,
    replication: u64,
    horizon: Ticks,
    deadline: Ticks,
    devices: Vec<Device>,
    fleets: Vec<FleetRt>,
    gateways: Vec<GatewayRt>,
    carriers: Vec<CarrierRt>,
    faults: Vec<FaultSpec>,
    /// Creation time and device of messages whose access delay does not fit 32 bits.
    long_delays: Vec<Msg>,
    free_long: Vec<u32>,
    to_gateway_in_flight: u64,
    ledger: Ledger,
    device_down: Downtime,
    gateway_down: Downtime,
    uplink_down: Downtime,
    connectivity_down: Downtime,
    carrier_outages: u64,
    peak_buffered: u64,
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

    /// Pending events a run of `dep` keeps at most, roughly: two per device plus a few.
    pub fn queue_capacity(dep: &Deployment) -> usize {
        2 * dep.device_count() as usize + 2 * (dep.gateways.len() + dep.carriers.len()) + 16
    }
}

impl<O: Observer> World<O> {
    /// As [`World::new`], reporting every step to `observer`.
    pub fn with_observer(
        dep: &Deployment,
        replication: u64,
        sched: &mut Scheduler<Packed>,
        observer: O,
    ) -> World<O> {
        let key = |entity: u64, process: u64| StreamKey {
            seed: dep.seed,
            replication,
            entity,
            process,
        };
        let mut first_device = 0u32;
        let horizon = dep.horizon;
        let fleets: Vec<FleetRt> = dep
            .fleets
            .iter()
            .map(|f| {
                let first = first_device;
                first_device += f.count;
                FleetRt {
                    key: f.key,
                    first_device: first,
                    gateway: dep.groups[f.group].members[0] as u32,
                    report: f.report.clone(),
                    access: Hop::new(&f.link),
                    failure: f.failure.clone(),
                }
            })
            .collect();
        let mut devices = Vec::with_capacity(dep.device_count() as usize);
        for (fi, f) in dep.fleets.iter().enumerate() {
            for i in 0..f.count as u64 {
                let entity = member_key(f.key, i);
                devices.push(Device {
                    traffic: key(entity, process::TRAFFIC).stream(),
                    fleet: fi as u32,
                    life_draws: 0,
                    sent: 0,
                    up: true,
                    access_bad: false,
                });
            }
        }
        let gateways: Vec<GatewayRt> = dep
            .gateways
            .iter()
            .map(|g| GatewayRt {
                health: Health::UP,
                active: None,
                uplinks: g
                    .uplinks
                    .iter()
                    .map(|u| UplinkRt {
                        carrier: u.carrier,
                        hop: Hop::new(&u.link),
                        bad: false,
                    })
                    .collect(),
                capacity: g.buffer_messages,
                drain_interval: g.service.as_ref().map(|d| d.mean() as Ticks),
                buffer: VecDeque::new(),
                draining: false,
                life: key(g.key, process::LIFECYCLE).stream(),
                failure: g.failure.clone(),
            })
            .collect();
        let mut carriers: Vec<CarrierRt> = dep
            .carriers
            .iter()
            .map(|c| CarrierRt {
                health: Health::UP,
                stream: key(c.key, process::OUTAGES).stream(),
                outages: c.outages.clone(),
                users: vec![],
            })
            .collect();
        for (gi, g) in dep.gateways.iter().enumerate() {
            for u in &g.uplinks {
                let users = &mut carriers[u.carrier].users;
                if users.last() != Some(&(gi as u32)) {
                    users.push(gi as u32);
                }
            }
        }
        let mut world = World {
            observer,
            seed: dep.seed,
            replication,
            horizon,
            deadline: dep.deadline,
            devices,
            fleets,
            gateways,
            carriers,
            faults: dep.faults.clone(),
            long_delays: vec![],
            free_long: vec![],
            to_gateway_in_flight: 0,
            ledger: Ledger::default(),
            device_down: Downtime::new(horizon),
            gateway_down: Downtime::new(horizon),
            uplink_down: Downtime::new(horizon),
            connectivity_down: Downtime::new(horizon),
            carrier_outages: 0,
            peak_buffered: 0,
        };
        world.schedule_start(sched);
        world
    }

    fn schedule_start(&mut self, sched: &mut Scheduler<Packed>) {
        for d in 0..self.devices.len() {
            let dev = &mut self.devices[d];
            let fleet = &self.fleets[dev.fleet as usize];
            let period = fleet.report.nominal_period();
            let phase = if period == 0 {
                0
            } else {
                dev.traffic.random_range(0..period)
            };
            sched.schedule_at(phase, Event::Emit(d as u32).into());
            let fleet = dev.fleet as usize;
            if self.fleets[fleet].failure.is_some() {
                let mut stream = self.life_stream(d as u32);
                if let Some(f) = &self.fleets[fleet].failure {
                    let lifetime = f.lifetime.sample(&mut stream);
                    sched.schedule_at(lifetime, Event::DeviceFail(d as u32).into());
                }
            }
        }
        for (g, gw) in self.gateways.iter_mut().enumerate() {
            if let Some(f) = &gw.failure {
                sched.schedule_at(
                    f.lifetime.sample(&mut gw.life),
                    Event::GatewayFail(g as u32).into(),
                );
            }
        }
        for (c, carrier) in self.carriers.iter_mut().enumerate() {
            if let Some(o) = &carrier.outages {
                sched.schedule_at(
                    o.lifetime.sample(&mut carrier.stream),
                    Event::CarrierDown(c as u32).into(),
                );
            }
        }
        for (i, fault) in self.faults.iter().enumerate() {
            sched.schedule_at(fault.at, Event::FaultBegin(i as u32).into());
            sched.schedule_at(
                fault.at.saturating_add(fault.lasting),
                Event::FaultEnd(i as u32).into(),
            );
        }
        for g in 0..self.gateways.len() {
            self.gateways[g].active = self.first_working_uplink(g);
        }
    }

    /// Runs the replication to its horizon with `observer`, and returns what it measured and
    /// the observer, after checking that every message is accounted for.
    pub fn run_observed(
        dep: &Deployment,
        replication: u64,
        observer: O,
    ) -> Result<(Outcome, O), ConservationError> {
        let mut sched = Scheduler::with_capacity(World::<Silent>::queue_capacity(dep));
        let mut world = World::with_observer(dep, replication, &mut sched, observer);
        sched.run(&mut world, dep.horizon);
        world.finish(sched.processed())
    }

    fn finish(mut self, events: u64) -> Result<(Outcome, O), ConservationError> {
        if O::ENABLED {
            self.trace_leftovers();
        }
        self.ledger.buffered_at_horizon = self.gateways.iter().map(|g| g.buffer.len() as u64).sum();
        self.ledger.in_flight_at_horizon += self.to_gateway_in_flight;
        self.ledger.check_conservation()?;
        let gateways = self.gateways.len() as u64;
        let outcome = Outcome {
            device_availability: self.device_down.availability(self.devices.len() as u64),
            gateway_availability: self.gateway_down.availability(gateways),
            uplink_availability: self.uplink_down.availability(gateways),
            connectivity_availability: self.connectivity_down.availability(gateways),
            carrier_outages: self.carrier_outages,
            peak_buffered: self.peak_buffered,
            events,
            ledger: self.ledger,
        };
        Ok((outcome, self.observer))
    }

    /// Reports the messages still buffered or on an access link at the horizon, so that in a
    /// trace every generated message has exactly one final step.
    fn trace_leftovers(&mut self) {
        let now = self.horizon;
        for (g, gw) in self.gateways.iter().enumerate() {
            for m in &gw.buffer {
                let step = Trace::BufferedAtHorizon {
                    msg: m.id(),
                    gateway: g as u32,
                };
                self.observer.observe(now, step);
            }
        }
        let mut free = vec![false; self.long_delays.len()];
        for &slot in &self.free_long {
            free[slot as usize] = true;
        }
        for (m, _) in self.long_delays.iter().zip(&free).filter(|(_, f)| !**f) {
            self.observer
                .observe(now, Trace::OnAccessLinkAtHorizon(m.id()));
        }
    }

    fn first_working_uplink(&self, g: usize) -> Option<usize> {
        self.gateways[g]
            .uplinks
            .iter()
            .position(|u| self.carriers[u.carrier].health.up)
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
        let msg = Msg {
            created: now,
            device: d,
            seq: dev.sent,
        };
        dev.sent = dev.sent.wrapping_add(1);
        self.ledger.generated += 1;
        self.observer.observe(now, Trace::Generated(msg.id()));
        if !dev.up {
            return self.lose(now, msg, LossCause::DeviceDown);
        }
        let Some(delay) = fleet.access.cross(&mut dev.traffic, &mut dev.access_bad) else {
            return self.lose(now, msg, LossCause::LinkLoss);
        };
        self.to_gateway_in_flight += 1;
        // A traced run sends every message through the side table, which keeps its sequence
        // number; the events and their order are the same either way.
        let event = match u32::try_from(delay) {
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
        sched.schedule_at(now.saturating_add(delay), event.into());
    }

    #[inline(always)]
    fn lose(&mut self, now: Ticks, msg: Msg, cause: LossCause) {
        self.ledger.lose(cause);
        self.observer.observe(now, Trace::Lost(msg.id(), cause));
    }

    /// A message reaches its device's gateway.
    fn at_gateway(&mut self, sched: &mut Scheduler<Packed>, msg: Msg) {
        let now = sched.now();
        self.to_gateway_in_flight -= 1;
        let g = self.fleets[self.devices[msg.device as usize].fleet as usize].gateway as usize;
        self.observer.observe(
            now,
            Trace::AtGateway {
                msg: msg.id(),
                gateway: g as u32,
            },
        );
        let gw = &mut self.gateways[g];
        if !gw.health.up {
            self.lose(now, msg, LossCause::GatewayDown);
        } else if gw.active.is_some() && gw.buffer.is_empty() {
            self.forward(now, g, msg);
        } else if gw.capacity == 0 {
            self.lose(now, msg, LossCause::NoPath);
        } else if (gw.buffer.len() as u64) < gw.capacity {
            gw.buffer.push_back(msg);
            let occupancy = gw.buffer.len() as u64;
            self.peak_buffered = self.peak_buffered.max(occupancy);
            self.observer.observe(
                now,
                Trace::Buffered {
                    msg: msg.id(),
                    gateway: g as u32,
                    occupancy,
                },
            );
        } else {
            self.lose(now, msg, LossCause::BufferOverflow);
        }
    }

    /// Sends one message over gateway `g`'s active uplink. Uplink draws use the sending
    /// device's stream, so a message's fate does not depend on other devices' traffic.
    fn forward(&mut self, now: Ticks, g: usize, msg: Msg) {
        let gw = &mut self.gateways[g];
        let Some(active) = gw.active else {
            debug_assert!(false, "forward without a working uplink");
            return;
        };
        let rng = &mut self.devices[msg.device as usize].traffic;
        let uplink = &mut gw.uplinks[active];
        match uplink.hop.cross(rng, &mut uplink.bad) {
            None => self.lose(now, msg, LossCause::LinkLoss),
            Some(delay) => {
                let arrival = now.saturating_add(delay);
                if arrival >= self.horizon {
                    self.ledger.in_flight_at_horizon += 1;
                    self.observer
                        .observe(now, Trace::InFlightAtHorizon(msg.id()));
                } else {
                    let delay = arrival - msg.created;
                    self.ledger.deliver(delay, self.deadline);
                    let on_time = delay <= self.deadline;
                    self.observer.observe(
                        now,
                        Trace::Delivered {
                            msg: msg.id(),
                            arrival,
                            delay,
                            on_time,
                        },
                    );
                }
            }
        }
    }

    /// Starts draining gateway `g`'s backlog if it can forward and is not draining already.
    fn maybe_drain(&mut self, sched: &mut Scheduler<Packed>, g: usize) {
        let gw = &mut self.gateways[g];
        if gw.can_forward() && !gw.buffer.is_empty() && !gw.draining {
            gw.draining = true;
            sched.schedule_at(sched.now(), Event::Drain(g as u32).into());
        }
    }

    fn drain(&mut self, sched: &mut Scheduler<Packed>, g: usize) {
        let now = sched.now();
        let gw = &mut self.gateways[g];
        if !gw.can_forward() {
            gw.draining = false;
            return;
        }
        match gw.drain_interval {
            None => {
                let backlog = std::mem::take(&mut self.gateways[g].buffer);
                for m in &backlog {
                    self.forward(now, g, *m);
                }
                let gw = &mut self.gateways[g];
                gw.buffer = backlog;
                gw.buffer.clear();
                gw.draining = false;
            }
            Some(interval) => {
                let Some(m) = gw.buffer.pop_front() else {
                    gw.draining = false;
                    return;
                };
                let more = !gw.buffer.is_empty();
                self.forward(now, g, m);
                if more {
                    sched.schedule_at(now.saturating_add(interval), Event::Drain(g as u32).into());
                } else {
                    self.gateways[g].draining = false;
                }
            }
        }
    }

    /// Recomputes gateway `g`'s working uplink after a change, keeping the availability
    /// accounts, and starts a drain if it can forward again.
    fn refresh_gateway(&mut self, sched: &mut Scheduler<Packed>, g: usize, was_up: bool) {
        let now = sched.now();
        let had_uplink = self.gateways[g].active.is_some();
        let could_forward = was_up && had_uplink;
        let active = self.first_working_uplink(g);
        if active != self.gateways[g].active {
            let uplink = active.map(|u| u as u32);
            self.observer.observe(
                now,
                Trace::UplinkChanged {
                    gateway: g as u32,
                    uplink,
                },
            );
        }
        self.gateways[g].active = active;
        match (had_uplink, active.is_some()) {
            (true, false) => self.uplink_down.went_down(now),
            (false, true) => self.uplink_down.came_up(now),
            _ => {}
        }
        let can_forward = self.gateways[g].can_forward();
        match (could_forward, can_forward) {
            (true, false) => self.connectivity_down.went_down(now),
            (false, true) => self.connectivity_down.came_up(now),
            _ => {}
        }
        self.maybe_drain(sched, g);
    }

    /// Carrier `c`'s own outage process changes state, and draws its next change.
    fn carrier_process(&mut self, sched: &mut Scheduler<Packed>, c: usize, up: bool) {
        let now = sched.now();
        let carrier = &mut self.carriers[c];
        carrier.health.random_up = up;
        if let Some(o) = &carrier.outages {
            let next = if up {
                Event::CarrierDown(c as u32)
            } else {
                Event::CarrierUp(c as u32)
            };
            let after = time_to_next_change(o, up, &mut carrier.stream);
            sched.schedule_at(now.saturating_add(after), next.into());
        }
        self.apply_carrier(sched, c);
    }

    /// Makes carrier `c`'s effective state follow its health, and tells its gateways.
    fn apply_carrier(&mut self, sched: &mut Scheduler<Packed>, c: usize) {
        let Some(up) = self.carriers[c].health.settle() else {
            return;
        };
        let now = sched.now();
        if up {
            self.observer.observe(now, Trace::CarrierUp(c as u32));
        } else {
            self.carrier_outages += 1;
            self.observer.observe(now, Trace::CarrierDown(c as u32));
        }
        for i in 0..self.carriers[c].users.len() {
            let g = self.carriers[c].users[i] as usize;
            let was_up = self.gateways[g].health.up;
            self.refresh_gateway(sched, g, was_up);
        }
    }

    /// Gateway `g`'s own failure process changes state, and draws its next change.
    fn gateway_process(&mut self, sched: &mut Scheduler<Packed>, g: usize, up: bool) {
        let now = sched.now();
        let gw = &mut self.gateways[g];
        gw.health.random_up = up;
        if let Some(f) = &gw.failure {
            let next = if up {
                Event::GatewayFail(g as u32)
            } else {
                Event::GatewayRepair(g as u32)
            };
            let after = time_to_next_change(f, up, &mut gw.life);
            sched.schedule_at(now.saturating_add(after), next.into());
        }
        self.apply_gateway(sched, g);
    }

    /// Makes gateway `g`'s effective state follow its health, keeping the availability account.
    fn apply_gateway(&mut self, sched: &mut Scheduler<Packed>, g: usize) {
        let Some(up) = self.gateways[g].health.settle() else {
            return;
        };
        let now = sched.now();
        if up {
            self.gateway_down.came_up(now);
            self.observer.observe(now, Trace::GatewayUp(g as u32));
        } else {
            self.gateway_down.went_down(now);
            self.observer.observe(now, Trace::GatewayDown(g as u32));
        }
        self.refresh_gateway(sched, g, !up);
    }

    /// A scripted fault begins (`begins`) or ends.
    fn fault(&mut self, sched: &mut Scheduler<Packed>, i: usize, begins: bool) {
        let step = |h: &mut Health| {
            if begins { h.faults += 1 } else { h.faults -= 1 }
        };
        match self.faults[i].target {
            FaultTarget::Down(Unit::Carrier(c)) => {
                step(&mut self.carriers[c].health);
                self.apply_carrier(sched, c);
            }
            FaultTarget::Down(Unit::Gateway(g)) => {
                step(&mut self.gateways[g].health);
                self.apply_gateway(sched, g);
            }
            _ => {}
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

    fn device_changed(&mut self, sched: &mut Scheduler<Packed>, d: u32, up: bool) {
        let now = sched.now();
        self.devices[d as usize].up = up;
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
            self.device_down.came_up(now);
            Event::DeviceFail(d)
        } else {
            self.device_down.went_down(now);
            Event::DeviceRepair(d)
        };
        let after = time_to_next_change(f, up, &mut stream);
        sched.schedule_at(now.saturating_add(after), next.into());
    }
}

/// Time until an alternating up/down process that has just become `up` (or down) changes
/// again: a lifetime draw after a repair, a repair draw after a failure.
fn time_to_next_change(laws: &FailureSpec, up: bool, rng: &mut Stream) -> Ticks {
    if up {
        laws.lifetime.sample(rng)
    } else {
        laws.repair.sample(rng)
    }
}

impl<O: Observer> Model for World<O> {
    type Event = Packed;

    #[inline]
    fn handle(&mut self, sched: &mut Scheduler<Packed>, event: Packed) {
        match Event::from(event) {
            Event::Emit(d) => self.emit(sched, d),
            Event::Arrive { device, delay } => {
                let created = sched.now() - delay as Ticks;
                // The sequence number travels only through the side table (traced runs).
                self.at_gateway(
                    sched,
                    Msg {
                        created,
                        device,
                        seq: 0,
                    },
                );
            }
            Event::ArriveLong { slot } => {
                let msg = self.long_delays[slot as usize];
                self.free_long.push(slot);
                self.at_gateway(sched, msg);
            }
            Event::DeviceFail(d) => self.device_changed(sched, d, false),
            Event::DeviceRepair(d) => self.device_changed(sched, d, true),
            Event::GatewayFail(g) => self.gateway_process(sched, g as usize, false),
            Event::GatewayRepair(g) => self.gateway_process(sched, g as usize, true),
            Event::CarrierDown(c) => self.carrier_process(sched, c as usize, false),
            Event::CarrierUp(c) => self.carrier_process(sched, c as usize, true),
            Event::Drain(g) => self.drain(sched, g as usize),
            Event::FaultBegin(i) => self.fault(sched, i as usize, true),
            Event::FaultEnd(i) => self.fault(sched, i as usize, false),
        }
    }
}
