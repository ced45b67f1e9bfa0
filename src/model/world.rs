//! One replication of a deployment in packet mode: every message is an event on its way from
//! device to gateway, then forwarded, buffered or lost there.
//!
//! State lives in flat arrays indexed by device, gateway and carrier (DESIGN.md invariant 5).
//! Message generation, hop decisions and accounting are separate steps (`emit`, `at_gateway`,
//! `forward`) writing to one [`Ledger`], so that a flow mode can later account the same
//! telemetry in aggregate between two state changes.

use std::collections::VecDeque;

use rand::RngExt;
use rand::distr::{Bernoulli, Distribution};

use crate::engine::random::member_key;
use crate::engine::{DurationDist, Model, Scheduler, Stream, StreamKey, Ticks};
use crate::scenario::{Deployment, FailureSpec, LinkSpec};

use super::event::{Event, Packed};
use super::ledger::{ConservationError, Downtime, Ledger, LossCause};

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
    up: bool,
}

/// A link compiled for the hot loop.
#[derive(Debug)]
struct Hop {
    loss: Bernoulli,
    lossy: bool,
    latency: DurationDist,
}

impl Hop {
    fn new(spec: &LinkSpec) -> Hop {
        Hop {
            loss: Bernoulli::new(spec.loss)
                .unwrap_or(Bernoulli::new(0.0).expect("0 is a probability")),
            lossy: spec.loss > 0.0,
            latency: spec.latency.clone(),
        }
    }

    /// Whether the message survives, and its delay. Draws loss first, then latency.
    #[inline(always)]
    fn cross(&self, rng: &mut Stream) -> Option<Ticks> {
        if self.lossy && self.loss.sample(rng) {
            return None;
        }
        Some(self.latency.sample(rng))
    }
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
struct Buffered {
    created: Ticks,
    device: u32,
}

#[derive(Debug)]
struct GatewayRt {
    up: bool,
    /// Index into `uplinks` of the working uplink that carries traffic, if any.
    active: Option<usize>,
    uplinks: Vec<(usize, Hop)>,
    capacity: u64,
    drain_interval: Option<Ticks>,
    buffer: VecDeque<Buffered>,
    draining: bool,
    life: Stream,
    failure: Option<FailureSpec>,
}

impl GatewayRt {
    fn can_forward(&self) -> bool {
        self.up && self.active.is_some()
    }
}

#[derive(Debug)]
struct CarrierRt {
    up: bool,
    stream: Stream,
    outages: Option<FailureSpec>,
    /// Gateways with an uplink through this carrier.
    users: Vec<u32>,
}

/// The run-time state of one replication.
pub struct World {
    seed: u64,
    replication: u64,
    horizon: Ticks,
    deadline: Ticks,
    devices: Vec<Device>,
    fleets: Vec<FleetRt>,
    gateways: Vec<GatewayRt>,
    carriers: Vec<CarrierRt>,
    /// Creation time and device of messages whose access delay does not fit 32 bits.
    long_delays: Vec<Buffered>,
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

impl World {
    /// Builds replication `replication` of `dep` and schedules its first events.
    pub fn new(dep: &Deployment, replication: u64, sched: &mut Scheduler<Packed>) -> World {
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
                    gateway: f.gateway as u32,
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
                    up: true,
                });
            }
        }
        let gateways: Vec<GatewayRt> = dep
            .gateways
            .iter()
            .map(|g| GatewayRt {
                up: true,
                active: None,
                uplinks: g
                    .uplinks
                    .iter()
                    .map(|u| (u.carrier, Hop::new(&u.link)))
                    .collect(),
                capacity: g.buffer_messages,
                drain_interval: g.drain_interval,
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
                up: true,
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
            seed: dep.seed,
            replication,
            horizon,
            deadline: dep.deadline,
            devices,
            fleets,
            gateways,
            carriers,
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

    /// Pending events a run of `dep` keeps at most, roughly: two per device plus a few.
    pub fn queue_capacity(dep: &Deployment) -> usize {
        2 * dep.device_count() as usize + 2 * (dep.gateways.len() + dep.carriers.len()) + 16
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
        for g in 0..self.gateways.len() {
            self.gateways[g].active = self.first_working_uplink(g);
        }
    }

    /// Runs the replication to its horizon and returns what it measured, after checking that
    /// every message is accounted for.
    pub fn run(dep: &Deployment, replication: u64) -> Result<Outcome, ConservationError> {
        let mut sched = Scheduler::with_capacity(World::queue_capacity(dep));
        let mut world = World::new(dep, replication, &mut sched);
        sched.run(&mut world, dep.horizon);
        world.finish(sched.processed())
    }

    fn finish(mut self, events: u64) -> Result<Outcome, ConservationError> {
        self.ledger.buffered_at_horizon = self.gateways.iter().map(|g| g.buffer.len() as u64).sum();
        self.ledger.in_flight_at_horizon += self.to_gateway_in_flight;
        self.ledger.check_conservation()?;
        let gateways = self.gateways.len() as u64;
        Ok(Outcome {
            device_availability: self.device_down.availability(self.devices.len() as u64),
            gateway_availability: self.gateway_down.availability(gateways),
            uplink_availability: self.uplink_down.availability(gateways),
            connectivity_availability: self.connectivity_down.availability(gateways),
            carrier_outages: self.carrier_outages,
            peak_buffered: self.peak_buffered,
            events,
            ledger: self.ledger,
        })
    }

    fn first_working_uplink(&self, g: usize) -> Option<usize> {
        self.gateways[g]
            .uplinks
            .iter()
            .position(|(c, _)| self.carriers[*c].up)
    }

    /// A device is due to report: the message is generated whatever the device's state, so a
    /// down device shows up as lost data, not as less data expected.
    fn emit(&mut self, sched: &mut Scheduler<Packed>, d: u32) {
        let dev = &mut self.devices[d as usize];
        let fleet = &self.fleets[dev.fleet as usize];
        let now = sched.now();
        sched.schedule_at(
            now + fleet.report.sample(&mut dev.traffic),
            Event::Emit(d).into(),
        );
        self.ledger.generated += 1;
        if !dev.up {
            self.ledger.lose(LossCause::DeviceDown);
            return;
        }
        let Some(delay) = fleet.access.cross(&mut dev.traffic) else {
            self.ledger.lose(LossCause::LinkLoss);
            return;
        };
        self.to_gateway_in_flight += 1;
        let event = match u32::try_from(delay) {
            Ok(delay) => Event::Arrive { device: d, delay },
            Err(_) => {
                let record = Buffered {
                    created: now,
                    device: d,
                };
                let slot = match self.free_long.pop() {
                    Some(slot) => {
                        self.long_delays[slot as usize] = record;
                        slot
                    }
                    None => {
                        self.long_delays.push(record);
                        (self.long_delays.len() - 1) as u32
                    }
                };
                Event::ArriveLong { slot }
            }
        };
        sched.schedule_at(now + delay, event.into());
    }

    /// A message created at `created` reaches its device's gateway.
    fn at_gateway(&mut self, sched: &mut Scheduler<Packed>, device: u32, created: Ticks) {
        self.to_gateway_in_flight -= 1;
        let g = self.fleets[self.devices[device as usize].fleet as usize].gateway as usize;
        let gw = &mut self.gateways[g];
        if !gw.up {
            self.ledger.lose(LossCause::GatewayDown);
        } else if gw.active.is_some() && gw.buffer.is_empty() {
            self.forward(sched.now(), g, device, created);
        } else if gw.capacity == 0 {
            self.ledger.lose(LossCause::NoPath);
        } else if (gw.buffer.len() as u64) < gw.capacity {
            gw.buffer.push_back(Buffered { created, device });
            self.peak_buffered = self.peak_buffered.max(gw.buffer.len() as u64);
        } else {
            self.ledger.lose(LossCause::BufferOverflow);
        }
    }

    /// Sends one message over gateway `g`'s active uplink. Uplink draws use the sending
    /// device's stream, so a message's fate does not depend on other devices' traffic.
    fn forward(&mut self, now: Ticks, g: usize, device: u32, created: Ticks) {
        let gw = &self.gateways[g];
        let Some(active) = gw.active else {
            debug_assert!(false, "forward without a working uplink");
            return;
        };
        let rng = &mut self.devices[device as usize].traffic;
        match gw.uplinks[active].1.cross(rng) {
            None => self.ledger.lose(LossCause::LinkLoss),
            Some(delay) => {
                let arrival = now + delay;
                if arrival >= self.horizon {
                    self.ledger.in_flight_at_horizon += 1;
                } else {
                    self.ledger.deliver(arrival - created, self.deadline);
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
                    self.forward(now, g, m.device, m.created);
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
                self.forward(now, g, m.device, m.created);
                if more {
                    sched.schedule_at(now + interval, Event::Drain(g as u32).into());
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

    fn carrier_changed(&mut self, sched: &mut Scheduler<Packed>, c: usize, up: bool) {
        let now = sched.now();
        let carrier = &mut self.carriers[c];
        carrier.up = up;
        if let Some(o) = &carrier.outages {
            let (law, next) = if up {
                (&o.lifetime, Event::CarrierDown(c as u32))
            } else {
                self.carrier_outages += 1;
                (&o.repair, Event::CarrierUp(c as u32))
            };
            sched.schedule_at(now + law.sample(&mut carrier.stream), next.into());
        }
        for i in 0..self.carriers[c].users.len() {
            let g = self.carriers[c].users[i] as usize;
            let was_up = self.gateways[g].up;
            self.refresh_gateway(sched, g, was_up);
        }
    }

    fn gateway_changed(&mut self, sched: &mut Scheduler<Packed>, g: usize, up: bool) {
        let now = sched.now();
        let gw = &mut self.gateways[g];
        let was_up = gw.up;
        gw.up = up;
        if let Some(f) = &gw.failure {
            let (law, next) = if up {
                self.gateway_down.came_up(now);
                (&f.lifetime, Event::GatewayFail(g as u32))
            } else {
                self.gateway_down.went_down(now);
                (&f.repair, Event::GatewayRepair(g as u32))
            };
            sched.schedule_at(now + law.sample(&mut gw.life), next.into());
        }
        self.refresh_gateway(sched, g, was_up);
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
        let mut stream = self.life_stream(d);
        let Some(f) = &self.fleets[self.devices[d as usize].fleet as usize].failure else {
            return;
        };
        let (law, next) = if up {
            self.device_down.came_up(now);
            (&f.lifetime, Event::DeviceFail(d))
        } else {
            self.device_down.went_down(now);
            (&f.repair, Event::DeviceRepair(d))
        };
        sched.schedule_at(now + law.sample(&mut stream), next.into());
    }
}

impl Model for World {
    type Event = Packed;

    #[inline]
    fn handle(&mut self, sched: &mut Scheduler<Packed>, event: Packed) {
        match Event::from(event) {
            Event::Emit(d) => self.emit(sched, d),
            Event::Arrive { device, delay } => {
                let created = sched.now() - delay as Ticks;
                self.at_gateway(sched, device, created);
            }
            Event::ArriveLong { slot } => {
                let record = self.long_delays[slot as usize];
                self.free_long.push(slot);
                self.at_gateway(sched, record.device, record.created);
            }
            Event::DeviceFail(d) => self.device_changed(sched, d, false),
            Event::DeviceRepair(d) => self.device_changed(sched, d, true),
            Event::GatewayFail(g) => self.gateway_changed(sched, g as usize, false),
            Event::GatewayRepair(g) => self.gateway_changed(sched, g as usize, true),
            Event::CarrierDown(c) => self.carrier_changed(sched, c as usize, false),
            Event::CarrierUp(c) => self.carrier_changed(sched, c as usize, true),
            Event::Drain(g) => self.drain(sched, g as usize),
        }
    }
}
