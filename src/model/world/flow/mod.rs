//! Flow mode (invariant 4 in ARCHITECTURE.md): the same world, with telemetry accounted in aggregate.
//!
//! No `Emit` events are scheduled. Failures, repairs, outages, common causes, scripted faults
//! and failover policies run exactly as in packet mode, on the same streams, so everything that
//! does not depend on individual messages (availabilities, failovers, interruptions and times to
//! recover) is identical in both modes for the same seed. Between two events that change what
//! a fleet's messages meet, the state is constant, and the messages of that interval are settled
//! in one step:
//!
//! - fleets and the gateways they can route to form *components* (a redundancy group joins its
//!   gateways); each component keeps the time it is settled up to;
//! - before an event touching a gateway, a carrier, a failover place, a degraded link or a
//!   common cause, the components it touches are settled up to now with the state that held;
//!   device failures and repairs only move their fleet's count of down devices (its down
//!   device-time is integrated), and every component is settled at the horizon;
//! - settling [t0, t1): reports generated (systematic count for periodic laws, Poisson for
//!   exponential ones), lost to down devices (binomial with the share of down device-time),
//!   on LoRa, lost to the duty cycle and to collisions (`flow/lora.rs`: from the report law
//!   and the load on the channel group), access-link losses (binomial, per Gilbert-Elliott
//!   state), routed by the members in use,
//!   then at each gateway: lost if it is down, stored in its fluid buffer if it has no uplink
//!   in use, else forwarded — through a fluid server when it has a capacity limit (backlog
//!   drains at 1/E[S]; below saturation the queueing wait is Pollaczek–Khinchine's M/G/1 mean)
//!   — over the uplink in use: lost to an undetected outage, uplink loss (binomial), then
//!   delivered on time or late from the latency law's probability of exceeding what is left of
//!   the deadline, or in flight at the horizon.
//!
//! Buffered messages are [`Chunk`]s of (count, first created, last created), so when they
//! drain, their delays, lateness and waiting times follow exactly from their creation spans.

use rand::RngExt;

use crate::engine::random::member_key;
use crate::engine::{DurationDist, Scheduler, Stream, StreamKey, TICKS_PER_SECOND, Ticks};
use crate::model::event::{Event, Packed};
use crate::model::fluid::{self, Chunk, LatencyTable, Queue, Reports};
use crate::model::ledger::LossCause;
use crate::model::trace::Observer;
use crate::scenario::{Deployment, Effect};

use super::network::{Network, Touched};
use super::software::{BRICKED, EXPIRED};
use super::{World, process, slice_of};
use kept::Kept;

/// Device buffers in aggregate (a leaf: no world state), and how the world offers and flushes
/// them.
mod buffers;
mod kept;
/// LoRa radios: duty cycle and ALOHA collisions.
mod lora;

/// What a device's readings meet while it is in a state (packet mode's `emit` in order): it is
/// down, bricked by a firmware update, without a valid certificate, degraded, or healthy.
const HEALTHY: usize = 0;
const DOWN: usize = 1;
const BRICKED_STATE: usize = 2;
const EXPIRED_STATE: usize = 3;
const DEGRADED: usize = 4;
const STATES: usize = 5;

/// A device or fleet whose devices' states an event is about to change (its state before).
#[derive(Clone, Copy, Debug)]
enum Pending {
    None,
    Device { d: u32, before: usize },
    Fleet(usize),
}

/// Messages of a piece are covered one by one in a site's freshness when there are at most
/// this many and they are sparse (spaced by more than half the deadline).
const FRESHNESS_ONE_BY_ONE: u64 = 4096;

/// Flow mode's state beside the world's.
pub(super) struct Flow {
    /// Per component: fleets, gateways, sites, and the time it is settled up to.
    comps: Vec<Component>,
    comp_of_gateway: Vec<u32>,
    pub(super) comp_of_fleet: Vec<u32>,
    /// Per site: the components holding its fleets (its freshness is settled up to the
    /// earliest of their times).
    site_comps: Vec<Vec<u32>>,
    pub(super) fleets: Vec<FleetFlow>,
    pub(super) gateways: Vec<GatewayFlow>,
    radios: lora::Radios,
    /// Per gateway, per uplink: the uplink's delay law alone, for a backlog released at once
    /// (its access delay, and a LoRa frame's time on air, passed while it waited).
    uplink_latency: Vec<Vec<LatencyTable>>,
    scratch: Vec<u32>,
    pending: Pending,
}

struct Component {
    fleets: Vec<u32>,
    gateways: Vec<u32>,
    sites: Vec<u32>,
    settled: Ticks,
}

pub(super) struct FleetFlow {
    pub(super) rng: Stream,
    devices: u64,
    /// One report law per home member of the fleet's group (devices are spread over the
    /// members by index, as packet mode routes them).
    homes: Vec<Reports>,
    /// Devices in each state ([`HEALTHY`], [`DOWN`], ...), and the device-time spent in each
    /// since the fleet was last settled, up to `last_change`.
    states: [u64; STATES],
    areas: [u128; STATES],
    /// The device-time in each state since the start of the run, up to `last_change`: the
    /// LoRa load on a channel group over any interval (`flow/lora.rs`).
    since_start: [u128; STATES],
    last_change: Ticks,
    /// Per (member of the group, uplink of that member): the law of access + uplink delay.
    pub(super) latency: Vec<Vec<LatencyTable>>,
    bits: f64,
    /// Per home member: the readings its devices keep while they cannot reach a gateway
    /// (none when the fleet has no device buffer; see `kept`).
    pub(super) kept: Vec<Kept>,
    /// The access link's delay law alone, for the bursts device buffers send (with them).
    pub(super) access_delay: Option<LatencyTable>,
}

pub(super) struct GatewayFlow {
    pub(super) rng: Stream,
    pub(super) queue: Queue,
    incoming: Vec<Chunk>,
    /// Fraction of a departure carried to the next interval.
    carry: f64,
    /// Mean and second moment of the processing time, in ticks.
    processing: (f64, f64),
}

/// A piece of messages leaving a gateway's buffer or server: its creation span, when it
/// leaves (first and last message), whether it counts as having waited, and whether it is a
/// backlog released at once when the gateway could forward again (it reached the gateway long
/// before: its delay from creation already holds its access delay, so only the uplink's is
/// added). Backlogs a server drains keep the whole latency law (see docs/flow-mode.md).
#[derive(Clone, Copy, Debug)]
pub(super) struct Departure {
    pub(super) chunk: Chunk,
    pub(super) first: f64,
    pub(super) last: f64,
    pub(super) waited: bool,
    pub(super) drained: bool,
}

impl Flow {
    /// How many components there are (each settled on its own).
    pub(super) fn component_count(&self) -> usize {
        self.comps.len()
    }

    pub(super) fn new(dep: &Deployment, replication: u64) -> Flow {
        let key = |entity: u64, process: u64| StreamKey {
            seed: dep.seed,
            replication,
            entity,
            process,
        };
        // Components: union-find over gateways sharing a group.
        let mut parent: Vec<usize> = (0..dep.gateways.len()).collect();
        fn root(parent: &mut [usize], mut x: usize) -> usize {
            while parent[x] != x {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }
            x
        }
        for group in &dep.groups {
            for w in group.members.windows(2) {
                let (a, b) = (root(&mut parent, w[0]), root(&mut parent, w[1]));
                parent[a.max(b)] = a.min(b);
            }
        }
        let mut comp_index = vec![u32::MAX; dep.gateways.len()];
        let mut comps: Vec<Component> = vec![];
        let mut comp_of_gateway = vec![0; dep.gateways.len()];
        for (g, comp_of) in comp_of_gateway.iter_mut().enumerate() {
            let r = root(&mut parent, g);
            if comp_index[r] == u32::MAX {
                comp_index[r] = comps.len() as u32;
                comps.push(Component {
                    fleets: vec![],
                    gateways: vec![],
                    sites: vec![],
                    settled: 0,
                });
            }
            *comp_of = comp_index[r];
            comps[comp_index[r] as usize].gateways.push(g as u32);
        }
        let mut comp_of_fleet = vec![0; dep.fleets.len()];
        let mut site_comps = vec![vec![]; dep.sites.len()];
        for (f, spec) in dep.fleets.iter().enumerate() {
            let c = comp_of_gateway[dep.groups[spec.group].members[0]];
            comp_of_fleet[f] = c;
            let comp = &mut comps[c as usize];
            comp.fleets.push(f as u32);
            if !comp.sites.contains(&(spec.site as u32)) {
                comp.sites.push(spec.site as u32);
            }
            if !site_comps[spec.site].contains(&c) {
                site_comps[spec.site].push(c);
            }
        }
        // A constant of each LoRa fleet's report law (the readings per send), the same in
        // every replication.
        let radios = lora::Radios::new(dep, |spec| StreamKey {
            replication: 0,
            ..key(spec.key, process::FLOW | 1 << 32)
        });
        let fleets = dep
            .fleets
            .iter()
            .enumerate()
            .map(|(f, spec)| {
                let mut rng = key(spec.key, process::FLOW).stream();
                let members = &dep.groups[spec.group].members;
                let n = members.len() as u64;
                let devices = spec.count as u64;
                let home_devices = |m: u64| devices / n + u64::from(m < devices % n);
                let homes: Vec<Reports> = (0..n)
                    .map(|m| Reports::new(&spec.report, home_devices(m), &mut rng))
                    .collect();
                // A LoRa frame reaches the gateway at its end plus the access latency.
                let on_air = radios.airtime(f).map(DurationDist::fixed);
                let kept = if spec.buffer_messages > 0 {
                    homes
                        .iter()
                        .zip(0..n)
                        .map(|(r, m)| {
                            Kept::new(home_devices(m), spec.buffer_messages, r.is_periodic())
                        })
                        .collect()
                } else {
                    vec![]
                };
                let latency = members
                    .iter()
                    .map(|&g| {
                        let gw = &dep.gateways[g];
                        gw.uplinks
                            .iter()
                            .enumerate()
                            .map(|(u, up)| {
                                let entity = member_key(spec.key, gw.key ^ u as u64);
                                let mut parts = vec![&spec.link.latency, &up.link.latency];
                                parts.extend(on_air.as_ref());
                                LatencyTable::new(&parts, key(entity, process::FLOW))
                            })
                            .collect()
                    })
                    .collect();
                FleetFlow {
                    rng,
                    devices,
                    homes,
                    states: {
                        let mut s = [0; STATES];
                        s[HEALTHY] = devices;
                        s
                    },
                    areas: [0; STATES],
                    since_start: [0; STATES],
                    last_change: 0,
                    latency,
                    bits: 8.0 * spec.message_bytes as f64,
                    access_delay: (spec.buffer_messages > 0).then(|| {
                        LatencyTable::new(
                            &[&spec.link.latency],
                            key(spec.key, process::FLOW | 1 << 32),
                        )
                    }),
                    kept,
                }
            })
            .collect();
        let gateways = dep
            .gateways
            .iter()
            .map(|g| GatewayFlow {
                rng: key(g.key, process::FLOW).stream(),
                queue: Queue::new(g.buffer_messages, g.drop),
                incoming: vec![],
                carry: 0.0,
                processing: g
                    .service
                    .as_ref()
                    .map_or((0.0, 0.0), |s| (s.mean(), s.second_moment())),
            })
            .collect();
        let uplink_latency = dep
            .gateways
            .iter()
            .map(|g| {
                g.uplinks
                    .iter()
                    .enumerate()
                    .map(|(u, up)| {
                        let entity = member_key(g.key, u as u64);
                        LatencyTable::new(&[&up.link.latency], key(entity, process::FLOW | 2 << 32))
                    })
                    .collect()
            })
            .collect();
        Flow {
            comps,
            comp_of_gateway,
            comp_of_fleet,
            site_comps,
            fleets,
            gateways,
            radios,
            uplink_latency,
            scratch: vec![],
            pending: Pending::None,
        }
    }

    /// Messages held in gateway buffers and on devices.
    pub(super) fn buffered(&self) -> u64 {
        let gateways: u64 = self.gateways.iter().map(|g| g.queue.level()).sum();
        let devices: u64 = self
            .fleets
            .iter()
            .flat_map(|f| &f.kept)
            .map(|k| k.level())
            .sum();
        gateways + devices
    }
}

impl FleetFlow {
    /// Integrates the device-time spent in each state up to `now`.
    fn integrate(&mut self, now: Ticks) {
        let dt = now.saturating_sub(self.last_change) as u128;
        for ((area, total), &n) in self
            .areas
            .iter_mut()
            .zip(self.since_start.iter_mut())
            .zip(&self.states)
        {
            *area += n as u128 * dt;
            *total += n as u128 * dt;
        }
        self.last_change = self.last_change.max(now);
    }
}

impl<O: Observer> World<O> {
    /// The state device `d`'s readings meet now (packet mode's `emit`, in its order).
    fn device_state(&self, d: u32) -> usize {
        let dev = &self.devices[d as usize];
        if !dev.up {
            return DOWN;
        }
        let flags = self.software.flags(dev.fleet as usize, d);
        {
            if flags & BRICKED != 0 {
                return BRICKED_STATE;
            }
            if flags & EXPIRED != 0 {
                return EXPIRED_STATE;
            }
        }
        let fleet = &self.fleets[dev.fleet as usize];
        if dev.degraded && fleet.life.degradation.is_some() {
            return DEGRADED;
        }
        HEALTHY
    }

    /// Flow mode, after an event is handled: the device or fleet it may have changed moves
    /// between states (its fleet's time in each was integrated up to now before).
    pub(super) fn flow_after(&mut self) {
        let Some(mut flow) = self.flow.take() else {
            return;
        };
        match std::mem::replace(&mut flow.pending, Pending::None) {
            Pending::None => {}
            Pending::Device { d, before } => {
                let after = self.device_state(d);
                if after != before {
                    let fl = &mut flow.fleets[self.devices[d as usize].fleet as usize];
                    fl.states[before] -= 1;
                    fl.states[after] += 1;
                }
            }
            Pending::Fleet(f) => {
                let mut states = [0; STATES];
                let first = self.fleets[f].first_device;
                for d in first..first + self.fleets[f].count {
                    states[self.device_state(d)] += 1;
                }
                flow.fleets[f].states = states;
            }
        }
        self.flow = Some(flow);
    }

    /// Flow mode: settles the components `event` touches up to now, before it is handled.
    /// Device failures and repairs only move their fleet's count of down devices.
    pub(super) fn flow_before(&mut self, sched: &Scheduler<Packed>, event: Event) {
        let now = sched.now();
        let Some(mut flow) = self.flow.take() else {
            return;
        };
        let mut touched = std::mem::take(&mut flow.scratch);
        touched.clear();
        self.net.touched_by(event, |t| {
            touched.push(match t {
                Touched::Gateway(g) => flow.comp_of_gateway[g],
                Touched::Fleet(f) => flow.comp_of_fleet[f],
            })
        });
        // Per-device state changes settle nothing: their fleet's time in each state is
        // integrated up to now, and `flow_after` moves the device (or the fleet's devices).
        match event {
            Event::DeviceFail(d)
            | Event::DeviceRepair(d)
            | Event::Cert { device: d, .. }
            | Event::Unbrick(d)
            | Event::DeviceDegrade(d) => {
                let f = self.devices[d as usize].fleet as usize;
                flow.fleets[f].integrate(now);
                flow.pending = Pending::Device {
                    d,
                    before: self.device_state(d),
                };
            }
            Event::Wave { campaign, .. } => {
                let f = self.software.campaign_fleet(campaign as usize);
                flow.fleets[f].integrate(now);
                flow.pending = Pending::Fleet(f);
            }
            Event::Inspect(f) => {
                flow.fleets[f as usize].integrate(now);
                flow.pending = Pending::Fleet(f as usize);
            }
            _ => {}
        }
        touched.sort_unstable();
        touched.dedup();
        self.flow = Some(flow);
        self.with_network(|net, world| {
            for &c in &touched {
                world.settle_component(net, c as usize, now);
            }
        });
        if let Some(flow) = self.flow.as_mut() {
            flow.scratch = touched;
        }
    }

    /// Settles every component up to the horizon and counts what is still buffered.
    pub(super) fn flow_finish(&mut self) {
        let Some(flow) = self.flow.as_ref() else {
            return;
        };
        let (comps, horizon) = (flow.comps.len(), self.horizon);
        self.with_network(|net, world| {
            for c in 0..comps {
                world.settle_component(net, c, horizon);
            }
        });
        if let Some(flow) = self.flow.as_ref() {
            self.acc.ledger.buffered_at_horizon += flow.buffered();
        }
    }

    /// Accounts every message of component `c`'s fleets from its settled time up to `now`,
    /// with the state that held over the interval.
    pub(super) fn settle_component(&mut self, net: &mut Network, c: usize, now: Ticks) {
        let Some(mut flow) = self.flow.take() else {
            return;
        };
        let t0 = flow.comps[c].settled;
        if now > t0 {
            flow.comps[c].settled = now;
            let span = now - t0;
            for i in 0..flow.comps[c].fleets.len() {
                let f = flow.comps[c].fleets[i] as usize;
                self.settle_fleet(&mut flow, net, f, t0, now, span);
            }
            for i in 0..flow.comps[c].gateways.len() {
                let g = flow.comps[c].gateways[i] as usize;
                self.settle_gateway(&mut flow, net, g, t0, now);
            }
            for i in 0..flow.comps[c].sites.len() {
                let s = flow.comps[c].sites[i] as usize;
                let floor = flow.site_comps[s]
                    .iter()
                    .map(|&k| flow.comps[k as usize].settled)
                    .min()
                    .unwrap_or(now);
                self.acc.freshness[s].settle(floor);
            }
        }
        self.flow = Some(flow);
    }

    /// Fleet `f`'s reports over [t0, t1): generated, lost to down devices and the access
    /// link, and routed to the gateways in use (or lost when its group has none).
    fn settle_fleet(
        &mut self,
        flow: &mut Flow,
        net: &Network,
        f: usize,
        t0: Ticks,
        t1: Ticks,
        span: Ticks,
    ) {
        let fl = &mut flow.fleets[f];
        fl.integrate(t1);
        // The share of the interval's device-time spent in each state: a reading due in it
        // meets that state with this probability.
        let total = (fl.devices as f64 * span as f64).max(1.0);
        let shares = fl.areas.map(|a| a as f64 / total);
        fl.areas = [0; STATES];
        let effect = self.fleets[f].life.degradation.as_ref().map(|d| d.effect);
        let homes = fl.homes.len();
        let collide = lora::collision_share(flow, f, t1, span);
        for m in 0..homes {
            let fl = &mut flow.fleets[f];
            let n = fl.homes[m].count(&mut fl.rng, t0, t1);
            if n == 0 {
                continue;
            }
            self.acc.ledger.generated += n;
            spread(&mut self.acc.series, 0, t0, t1, n, self.acc.span);
            // The readings due in each state. Periodic reports: each device reports every
            // period whatever its state, so a state's readings are its device-time over the
            // period to within one per device; a systematic split (cumulative shares, one
            // uniform offset) keeps that, so a whole fleet blind for a fixed interval loses
            // exactly that interval's readings. Exponential reports: a multinomial split,
            // one binomial per state conditional on the readings left. States with no
            // device-time draw nothing.
            let mut left = n;
            let mut split = [0u64; STATES];
            let order = [DOWN, BRICKED_STATE, EXPIRED_STATE, DEGRADED];
            if order.iter().any(|&state| shares[state] > 0.0) {
                if fl.homes[m].is_periodic() {
                    let u: f64 = fl.rng.random();
                    let (mut cum, mut before) = (0.0, 0u64);
                    for state in order {
                        cum += shares[state];
                        let upto = ((n as f64 * cum.min(1.0) + u).floor() as u64).min(n);
                        split[state] = upto.saturating_sub(before);
                        before = before.max(upto);
                    }
                    left = n - before;
                } else {
                    let mut share_left = 1.0;
                    for state in order {
                        let p = shares[state];
                        if p <= 0.0 || left == 0 {
                            continue;
                        }
                        let k = fluid::binomial(&mut fl.rng, left, (p / share_left).min(1.0));
                        split[state] = k;
                        left -= k;
                        share_left = (share_left - p).max(0.0);
                    }
                }
            }
            self.acc.ledger.lost[LossCause::DeviceDown as usize] += split[DOWN];
            self.acc.ledger.lost[LossCause::Firmware as usize] += split[BRICKED_STATE];
            self.acc.ledger.lost[LossCause::AuthExpired as usize] += split[EXPIRED_STATE];
            // Degraded sensors: out of accuracy, or dropped before they are sent.
            let degraded = split[DEGRADED];
            let (bad, dropped) = match effect {
                _ if degraded == 0 => (0, 0),
                Some(Effect::AllWrong) => (degraded, 0),
                Some(Effect::Noise(p)) => (fluid::binomial(&mut fl.rng, degraded, p), 0),
                Some(Effect::Dropouts(p)) => (0, fluid::binomial(&mut fl.rng, degraded, p)),
                None => (0, 0),
            };
            self.acc.ledger.lost[LossCause::SensorDropout as usize] += dropped;
            let good = left + degraded - bad - dropped;
            let home = self.fleets[f].first_device + m as u32;
            if !fl.kept.is_empty() && !net.reachable(f, home) {
                // Kept on the devices (`kept`), by those up and able to read.
                let up = shares[HEALTHY] + shares[DEGRADED];
                let offered = Chunk {
                    fleet: f as u32,
                    count: good + bad,
                    first: t0,
                    last: t1 - 1,
                    bad,
                    reached: 0,
                };
                self.flow_keep(flow, f, m, offered, up, span);
                continue;
            }
            // (A LoRa fleet keeps no device buffer: `compile` refuses the pair.)
            let (good, bad) = if flow.radios.is_lora(f) {
                self.flow_on_air(flow, f, m, collide, good, bad)
            } else {
                (good, bad)
            };
            let fl = &mut flow.fleets[f];
            let access = &self.fleets[f].access;
            let arrived_good = access.survivors(&mut fl.rng, good);
            let arrived_bad = if bad > 0 {
                access.survivors(&mut fl.rng, bad)
            } else {
                0
            };
            let arrived = arrived_good + arrived_bad;
            self.acc.ledger.lost[LossCause::LinkLoss as usize] += good + bad - arrived;
            if arrived == 0 {
                continue;
            }
            let first_of_home = self.fleets[f].first_device + m as u32;
            match net.route(f, first_of_home) {
                None => self.acc.ledger.lost[LossCause::GatewayDown as usize] += arrived,
                Some(g) => flow.gateways[g].incoming.push(Chunk {
                    fleet: f as u32,
                    count: arrived,
                    first: t0,
                    last: t1 - 1,
                    bad: arrived_bad,
                    reached: 0,
                }),
            }
        }
    }

    /// Gateway `g` over [t0, t1) with its state constant: what arrived is lost, stored, or
    /// forwarded (through its fluid server, if it has a capacity limit).
    fn settle_gateway(
        &mut self,
        flow: &mut Flow,
        net: &mut Network,
        g: usize,
        t0: Ticks,
        t1: Ticks,
    ) {
        let incoming = std::mem::take(&mut flow.gateways[g].incoming);
        if !net.gateway_up(g) {
            let lost: u64 = incoming.iter().map(|c| c.count).sum();
            self.acc.ledger.lost[LossCause::GatewayDown as usize] += lost;
        } else if net.uplink_in_use(g).is_none() {
            self.flow_store(flow, g, &incoming);
        } else if !net.has_server(g) {
            // The backlog left when the gateway could forward again (`flow_drain`).
            for &chunk in &incoming {
                let d = Departure {
                    chunk,
                    first: chunk.first as f64,
                    last: chunk.last as f64,
                    waited: false,
                    drained: false,
                };
                self.flow_forward(flow, net, g, d, 0.0);
            }
        } else {
            self.flow_serve(flow, net, g, &incoming, t0, t1);
        }
        let mut incoming = incoming;
        incoming.clear();
        flow.gateways[g].incoming = incoming;
    }

    /// Stores arrivals in gateway `g`'s buffer (no uplink in use), dropping what overflows.
    pub(super) fn flow_store(&mut self, flow: &mut Flow, g: usize, incoming: &[Chunk]) {
        let gf = &mut flow.gateways[g];
        if gf.queue.capacity == 0 {
            let lost: u64 = incoming.iter().map(|c| c.count).sum();
            self.acc.ledger.lost[LossCause::NoPath as usize] += lost;
            return;
        }
        for &c in incoming {
            gf.queue.push(c);
        }
        let peak = gf.queue.level().min(gf.queue.capacity);
        let mut lost = 0;
        gf.queue.enforce_capacity(&mut |c| lost += c.count);
        self.acc.ledger.lost[LossCause::BufferOverflow as usize] += lost;
        self.acc.peak_buffered = self.acc.peak_buffered.max(peak);
    }

    /// Mean and second moment of gateway `g`'s service time for the fleets in `mix`, in ticks.
    pub(super) fn service_moments(
        &self,
        flow: &Flow,
        net: &Network,
        g: usize,
        mix: &[Chunk],
    ) -> (f64, f64) {
        let rate = net.rate_in_use(g);
        let (p1, p2) = flow.gateways[g].processing;
        let total: u64 = mix.iter().map(|c| c.count).sum();
        let moments = |bits: f64| {
            let send = rate.map_or(0.0, |r| (bits / r * TICKS_PER_SECOND as f64).ceil());
            (p1 + send, p2 + 2.0 * p1 * send + send * send)
        };
        if total == 0 {
            let bits = mix
                .first()
                .map_or(0.0, |c| flow.fleets[c.fleet as usize].bits);
            return moments(bits);
        }
        let (mut m1, mut m2) = (0.0, 0.0);
        for c in mix {
            let (a, b) = moments(flow.fleets[c.fleet as usize].bits);
            let w = c.count as f64 / total as f64;
            m1 += w * a;
            m2 += w * b;
        }
        (m1, m2)
    }

    /// Gateway `g`'s server over [t0, t1), as a fluid queue: the backlog drains at 1/E[S]
    /// while arrivals join it; once it is empty (below saturation) arrivals pass with the
    /// M/G/1 mean wait; above saturation the buffer fills, then overflows.
    fn flow_serve(
        &mut self,
        flow: &mut Flow,
        net: &mut Network,
        g: usize,
        incoming: &[Chunk],
        t0: Ticks,
        t1: Ticks,
    ) {
        let span = (t1 - t0) as f64;
        let arrived: u64 = incoming.iter().map(|c| c.count).sum();
        let mix: Vec<Chunk> = if arrived > 0 {
            incoming.to_vec()
        } else {
            flow.gateways[g].queue.chunks().copied().take(1).collect()
        };
        let (es, es2) = self.service_moments(flow, net, g, &mix);
        let rate = arrived as f64 / span;
        let q0 = flow.gateways[g].queue.level();
        let below = rate * es < 1.0;
        let wait = fluid::pk_wait(rate, es, es2);
        let mut departures: Vec<Departure> = vec![];
        let mut passing: Vec<Chunk> = vec![];
        let no_queue = flow.gateways[g].queue.capacity == 0;
        if q0 == 0 && below && no_queue {
            // No room to wait: a message arriving while one is in service is dropped. The
            // M/G/1/1 loss system blocks a share ρ/(1 + ρ) of arrivals, whatever the law
            // of service; the others pass without waiting.
            let rho = rate * es;
            let blocked = rho / (1.0 + rho);
            let mut lost = 0;
            for &c in incoming {
                let k = fluid::binomial(&mut flow.gateways[g].rng, c.count, blocked);
                if k < c.count {
                    let bad_lost = (c.bad as u128 * k as u128 / c.count as u128) as u64;
                    passing.push(Chunk {
                        count: c.count - k,
                        bad: c.bad - bad_lost,
                        ..c
                    });
                }
                lost += k;
            }
            self.acc.ledger.lost[LossCause::BufferOverflow as usize] += lost;
        } else if q0 == 0 && below {
            passing.extend_from_slice(incoming);
        } else {
            let gf = &mut flow.gateways[g];
            for &c in incoming {
                gf.queue.push(c);
            }
            let mu = if es > 0.0 { 1.0 / es } else { f64::INFINITY };
            // How long the backlog takes to empty, and how many leave meanwhile.
            let empty_after = if below && mu.is_finite() {
                q0 as f64 / (mu - rate)
            } else {
                f64::INFINITY
            };
            let (busy_for, leaving) = if empty_after < span {
                let joined = (arrived as f64 * empty_after / span).round() as u64;
                (empty_after, q0 + joined.min(arrived))
            } else {
                let exact = mu * span + gf.carry;
                let k = if exact.is_finite() {
                    exact.floor().max(0.0) as u64
                } else {
                    u64::MAX
                };
                gf.carry = if exact.is_finite() {
                    exact - k as f64
                } else {
                    0.0
                };
                (span, k)
            };
            let mut j = 0u64;
            let start = t0 as f64;
            let step = if leaving > 0 {
                busy_for / leaving as f64
            } else {
                0.0
            };
            gf.queue.take_front(leaving, &mut |chunk| {
                let first = start + j as f64 * step;
                j += chunk.count;
                let last = start + (j - 1) as f64 * step;
                departures.push(Departure {
                    chunk,
                    first,
                    last,
                    waited: true,
                    drained: false,
                });
            });
            if empty_after < span {
                let rest = gf.queue.level();
                gf.queue.take_front(rest, &mut |c| passing.push(c));
            }
            // The backlog q0 was counted when it was stored (or flushed from devices, whose
            // peak leaves out what the server drained while the burst arrived).
            let peak = gf.queue.level();
            let mut lost = 0;
            gf.queue.enforce_capacity(&mut |c| lost += c.count);
            self.acc.ledger.lost[LossCause::BufferOverflow as usize] += lost;
            self.acc.peak_buffered = self
                .acc
                .peak_buffered
                .max(peak.min(flow.gateways[g].queue.capacity));
        }
        let served: u64 = departures.iter().map(|d| d.chunk.count).sum::<u64>()
            + passing.iter().map(|c| c.count).sum::<u64>();
        net.add_busy(g, (served as f64 * es).round() as Ticks);
        for d in departures {
            self.flow_forward(flow, net, g, d, es);
        }
        let wait = if wait.is_finite() && !no_queue {
            wait
        } else {
            0.0
        };
        for chunk in passing {
            let d = Departure {
                chunk,
                first: chunk.first as f64 + wait,
                last: chunk.last as f64 + wait,
                waited: true,
                drained: false,
            };
            self.flow_forward(flow, net, g, d, es);
        }
    }

    /// Flow mode: gateway `g` can forward again; without a server its whole backlog leaves now
    /// (with a server, the next settled interval drains it at the service rate).
    pub(super) fn flow_drain(&mut self, net: &Network, now: Ticks, g: usize) {
        let Some(mut flow) = self.flow.take() else {
            return;
        };
        if net.can_forward(g) && !net.has_server(g) && !flow.gateways[g].queue.is_empty() {
            let mut pieces = vec![];
            let level = flow.gateways[g].queue.level();
            flow.gateways[g]
                .queue
                .take_front(level, &mut |c| pieces.push(c));
            for chunk in pieces {
                let d = Departure {
                    chunk,
                    first: now as f64,
                    last: now as f64,
                    waited: true,
                    drained: true,
                };
                self.flow_forward(&mut flow, net, g, d, 0.0);
            }
        }
        self.flow = Some(flow);
    }

    /// A piece leaves gateway `g` over its uplink in use (after `service` ticks in the
    /// server): lost to an undetected outage or the uplink, delivered on time or late, or in
    /// flight at the horizon.
    pub(super) fn flow_forward(
        &mut self,
        flow: &mut Flow,
        net: &Network,
        g: usize,
        d: Departure,
        service: f64,
    ) {
        let c = d.chunk;
        let k = c.count;
        if k == 0 {
            return;
        }
        let wait_first = d.first - c.first as f64;
        let wait_last = d.last - c.last as f64;
        let mean_wait = ((wait_first + wait_last) / 2.0).max(0.0);
        if d.waited {
            // Readings kept on devices wait at the gateway from when they reached it.
            let gateway_wait = if c.reached > 0 {
                ((d.first + d.last) / 2.0 - c.reached as f64).max(0.0)
            } else {
                mean_wait
            };
            self.acc.waited += k;
            self.acc.wait_sum += (gateway_wait * k as f64).round() as u128;
        }
        let Some(active) = net.uplink_in_use(g) else {
            debug_assert!(false, "forward without an uplink in use");
            return;
        };
        let (carrier, hop) = net.uplink(g, active);
        if !net.carrier_up(carrier) {
            self.acc.ledger.lost[LossCause::UndetectedOutage as usize] += k;
            return;
        }
        self.acc.carrier_messages[carrier] += k;
        let gf = &mut flow.gateways[g];
        let survived = hop.survivors(&mut gf.rng, k);
        self.acc.ledger.lost[LossCause::LinkLoss as usize] += k - survived;
        if survived == 0 {
            return;
        }
        let fleet = c.fleet as usize;
        let member = net.member_of_fleet_group(fleet, g);
        let table = if d.drained {
            &flow.uplink_latency[g][active]
        } else {
            &flow.fleets[fleet].latency[member][active]
        };
        let horizon = self.horizon as f64;
        let deadline = self.acc.deadline as f64;
        // Averages over the piece: message x ∈ [0, 1] was created at first + x·span and
        // leaves at d.first + x·(d.last − d.first).
        let leaves = |x: f64| d.first + x * (d.last - d.first);
        let created = |x: f64| c.first as f64 + x * (c.last - c.first) as f64;
        // In flight at the horizon: leaving uniformly over [d.first, d.last], a message is
        // still on the uplink with probability E[(delay − (horizon − leaves))+] / span.
        let in_flight = if d.last + service + table.max() as f64 >= horizon {
            let until = horizon - d.last - service;
            let span = d.last - d.first;
            let p = if span >= 1.0 {
                (table.mean_excess(until) / span).min(1.0)
            } else {
                table.exceeds(until - 1.0)
            };
            fluid::binomial(&mut gf.rng, survived, p)
        } else {
            0
        };
        self.acc.ledger.in_flight_at_horizon += in_flight;
        let delivered = survived - in_flight;
        let p_late = table.late_share(wait_first, wait_last, deadline - service);
        let late = fluid::binomial(&mut gf.rng, delivered, p_late);
        let on_time = delivered - late;
        if c.bad > 0 {
            let share = c.bad as f64 / k as f64;
            self.acc.ledger.delivered_bad += fluid::binomial(&mut gf.rng, delivered, share);
        }
        self.acc.ledger.delivered_on_time += on_time;
        self.acc.ledger.delivered_late += late;
        let delay = mean_wait + service + table.mean;
        self.acc.ledger.delay_sum += (delay * delivered as f64).round() as u128;
        spread(
            &mut self.acc.series,
            1,
            c.first,
            c.last + 1,
            on_time,
            self.acc.span,
        );
        // Freshness: each reading delivered on time keeps its site fresh from its arrival
        // until its creation plus the deadline.
        if on_time == 0 {
            return;
        }
        let site = net.site_of_fleet(fleet);
        let spacing = (c.last - c.first) as f64 / on_time as f64;
        let latency = service + table.mean;
        let fresh = &mut self.acc.freshness[site];
        if on_time <= FRESHNESS_ONE_BY_ONE && spacing > deadline / 2.0 {
            for i in 0..on_time {
                let x = (i as f64 + 0.5) / on_time as f64;
                let start = leaves(x) + latency;
                let end = created(x) + deadline;
                if end > start {
                    fresh.cover(start as Ticks, end as Ticks);
                }
            }
        } else {
            // The readings still fresh on arrival are those with created + deadline beyond
            // leaving + latency: g(x) > 0 for g linear in x; they cover from the first such
            // arrival to the last such creation plus the deadline.
            let g = |x: f64| created(x) + deadline - leaves(x) - latency;
            let (g0, g1) = (g(0.0), g(1.0));
            let (lo, hi) = match (g0 > 0.0, g1 > 0.0) {
                (true, true) => (0.0, 1.0),
                (false, false) => return,
                (false, true) => (g0 / (g0 - g1), 1.0),
                (true, false) => (0.0, g0 / (g0 - g1)),
            };
            let step = 0.5 / on_time as f64;
            let start = leaves(lo + step) + latency;
            let end = created(hi - step) + deadline;
            if end > start {
                fresh.cover(start as Ticks, end as Ticks);
            }
        }
    }
}

/// Adds `k` messages created evenly over [a, b) to column `col` of the series, split over the
/// slices the span crosses in proportion to the overlap (exactly `k` in all).
fn spread(series: &mut [[u64; 2]], col: usize, a: Ticks, b: Ticks, k: u64, horizon: Ticks) {
    if k == 0 {
        return;
    }
    let (sa, sb) = (
        slice_of(a, horizon),
        slice_of(b.saturating_sub(1).max(a), horizon),
    );
    if sa == sb {
        series[sa][col] += k;
        return;
    }
    let slices = series.len() as u128;
    let width = |s: usize| -> f64 {
        let lo = (s as u128 * horizon as u128 / slices) as Ticks;
        let hi = ((s as u128 + 1) * horizon as u128 / slices) as Ticks;
        (hi.min(b).saturating_sub(lo.max(a))) as f64
    };
    let weights: Vec<f64> = (sa..=sb).map(width).collect();
    let mut parts = vec![];
    fluid::apportion(k, &weights, &mut parts);
    for (s, p) in (sa..=sb).zip(parts) {
        series[s][col] += p;
    }
}
