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
use crate::engine::{DurationDist, Stream, StreamKey, Ticks};
use crate::model::event::Event;
use crate::model::fluid::{self, Chunk, LatencyTable, Queue, Reports};
use crate::model::ledger::LossCause;
use crate::scenario::{Deployment, Effect};

use super::accounts::Accounts;
use super::cellular::Cellular;
use super::network::{Network, Touched};
use super::software::{BRICKED, EXPIRED, Software};
use super::{Device, FleetRt, process, slice_of};
use kept::Kept;

/// Device buffers in aggregate (a leaf: no world state), and how the world offers and flushes
/// them.
mod buffers;
/// Fleets on their own SIMs: cohorts of devices by what their readings meet.
mod cellular;
pub use cellular::{COHORT_BYTES as CELLULAR_COHORT_BYTES, DEVICE_BYTES as CELLULAR_HOLDING_BYTES};
/// What reaches a gateway over a settled interval: lost, stored, served, forwarded.
mod gateways;
mod kept;
/// LoRa radios: duty cycle and ALOHA collisions.
mod lora;
mod timeline;
pub(super) use timeline::{LATEST as LATEST_CHANGE, Timeline};

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
    Device {
        d: u32,
        before: usize,
    },
    Fleet(usize),
    /// An inspection of fleet `f`, which keeps no software flags, and the count of condition
    /// replacements before it: it moves exactly the devices it replaces (working and degraded)
    /// to healthy, so its counts follow without a recount of the fleet.
    Inspected {
        f: usize,
        replaced: u64,
    },
}

/// Sparse messages of a piece (spaced by more than half the deadline) are covered one by one in
/// a site's freshness at once when there are at most this many, and as its settling reaches
/// them when there are more (`freshness::ReadingRun`: a quiet piece can last years).
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
    /// Fleets on their own SIMs: settled on their own, not in components.
    cells: cellular::Cells,
    /// The time of the event being handled (what `after` acts at).
    now: Ticks,
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
    /// Its devices' state changes, when their lives were lived ahead (empty otherwise: each
    /// change is then an event).
    timeline: Timeline,
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
        let Components {
            comps,
            comp_of_gateway,
            comp_of_fleet,
            site_comps,
        } = Components::of(dep);
        // A constant of each LoRa fleet's report law (the readings per send), the same in
        // every replication.
        let radios = lora::Radios::new(dep, |spec| StreamKey {
            replication: 0,
            ..key(spec.key, process::FLOW | 1 << 32)
        });
        let fleets = (0..dep.fleets.len())
            .map(|f| FleetFlow::new(dep, f, &radios, &key))
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
            cells: cellular::Cells::new(dep, &key),
            now: 0,
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

/// The components of a deployment: gateways sharing a redundancy group are joined
/// (union-find), and each fleet belongs to the component of its group's first member.
struct Components {
    comps: Vec<Component>,
    comp_of_gateway: Vec<u32>,
    comp_of_fleet: Vec<u32>,
    site_comps: Vec<Vec<u32>>,
}

impl Components {
    fn of(dep: &Deployment) -> Components {
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
            if dep.groups[spec.group].members.is_empty() {
                // A fleet on its own SIMs reaches no gateway (`cellular`).
                comp_of_fleet[f] = u32::MAX;
                continue;
            }
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
        Components {
            comps,
            comp_of_gateway,
            comp_of_fleet,
            site_comps,
        }
    }
}

impl FleetFlow {
    /// Fleet `f`'s flow state at the start: its report law per home member (phases drawn
    /// from its own stream, in member order), its device buffers, and its latency tables
    /// per (member, uplink); every device healthy.
    fn new(
        dep: &Deployment,
        f: usize,
        radios: &lora::Radios,
        key: &impl Fn(u64, u64) -> StreamKey,
    ) -> FleetFlow {
        let spec = &dep.fleets[f];
        let mut rng = key(spec.key, process::FLOW).stream();
        let members = &dep.groups[spec.group].members;
        // A fleet on its own SIMs has no gateway: one home.
        let n = members.len().max(1) as u64;
        let direct = spec.cellular.is_some();
        let devices = spec.count as u64;
        let home_devices = |m: u64| devices / n + u64::from(m < devices % n);
        let homes: Vec<Reports> = (0..n)
            .map(|m| Reports::new(&spec.report, home_devices(m), &mut rng))
            .collect();
        // A LoRa frame reaches the gateway at its end plus the access latency.
        let on_air = radios.airtime(f).map(DurationDist::fixed);
        let kept = if spec.buffer_messages > 0 && !direct {
            homes
                .iter()
                .zip(0..n)
                .map(|(r, m)| Kept::new(home_devices(m), spec.buffer_messages, r.is_periodic()))
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
        let mut states = [0; STATES];
        states[HEALTHY] = devices;
        FleetFlow {
            rng,
            devices,
            homes,
            states,
            areas: [0; STATES],
            since_start: [0; STATES],
            last_change: 0,
            latency,
            bits: 8.0 * spec.message_bytes as f64,
            access_delay: (spec.buffer_messages > 0 && !direct).then(|| {
                LatencyTable::new(
                    &[&spec.link.latency],
                    key(spec.key, process::FLOW | 1 << 32),
                )
            }),
            kept,
            timeline: Timeline::default(),
        }
    }

    /// Integrates the device-time up to `t1` and returns the share of the `span` just ended
    /// spent in each state (a reading due in it meets that state with this probability); the
    /// next interval starts from zero.
    fn state_shares(&mut self, t1: Ticks, span: Ticks) -> [f64; STATES] {
        self.integrate(t1);
        let total = (self.devices as f64 * span as f64).max(1.0);
        let shares = self.areas.map(|a| a as f64 / total);
        self.areas = [0; STATES];
        shares
    }

    /// The `n` readings of home `m` due in each state, and those left to healthy devices.
    /// Periodic reports: each device reports every period whatever its state, so a state's
    /// readings are its device-time over the period to within one per device; a systematic
    /// split (cumulative shares, one uniform offset) keeps that, so a whole fleet blind for a
    /// fixed interval loses exactly that interval's readings. Exponential reports: a
    /// multinomial split, one binomial per state conditional on the readings left. States
    /// with no device-time draw nothing.
    fn split_by_state(&mut self, m: usize, n: u64, shares: &[f64; STATES]) -> ([u64; STATES], u64) {
        let mut left = n;
        let mut split = [0u64; STATES];
        let order = [DOWN, BRICKED_STATE, EXPIRED_STATE, DEGRADED];
        if !order.iter().any(|&state| shares[state] > 0.0) {
            return (split, left);
        }
        if self.homes[m].is_periodic() {
            let u: f64 = self.rng.random();
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
                let k = fluid::binomial(&mut self.rng, left, (p / share_left).min(1.0));
                split[state] = k;
                left -= k;
                share_left = (share_left - p).max(0.0);
            }
        }
        (split, left)
    }

    /// Integrates the device-time spent in each state up to `now`, moving the counts through
    /// the changes of the fleet's timeline before it.
    fn integrate(&mut self, now: Ticks) {
        // Integrated with the counts as they stand, then each change corrected: the device
        // that moved at `at` spent [at, now) in its new state, not its old. Two updates a
        // change instead of one a state, the same integers. Changes at one instant come in
        // any order, so a count or an area may pass below zero between two of them (wrapping):
        // it is back by the instant's last change.
        self.integrate_counts(now);
        while let Some((at, from, to)) = self.timeline.next_before(now) {
            let moved = (now - at) as u128;
            self.areas[from] = self.areas[from].wrapping_sub(moved);
            self.areas[to] = self.areas[to].wrapping_add(moved);
            self.since_start[from] = self.since_start[from].wrapping_sub(moved);
            self.since_start[to] = self.since_start[to].wrapping_add(moved);
            self.states[from] = self.states[from].wrapping_sub(1);
            self.states[to] = self.states[to].wrapping_add(1);
        }
    }

    /// Integrates the device-time spent in each state, as counted now, up to `now`.
    #[inline]
    fn integrate_counts(&mut self, now: Ticks) {
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

/// What flow mode reads and writes outside its part while it settles: the accounts it writes,
/// and the fleet and device tables and software flags it reads (a device's state).
pub(super) struct FlowCx<'a> {
    pub(super) acc: &'a mut Accounts,
    pub(super) fleets: &'a [FleetRt],
    pub(super) devices: &'a [Device],
    pub(super) software: &'a Software,
    pub(super) cellular: &'a mut Cellular,
    pub(super) horizon: Ticks,
}

impl FlowCx<'_> {
    /// The state device `d`'s readings meet now (packet mode's `emit`, in its order).
    fn device_state(&self, d: u32) -> usize {
        let dev = &self.devices[d as usize];
        if dev.up {
            let flags = self.software.flags(dev.fleet as usize, d);
            if flags & BRICKED != 0 {
                return BRICKED_STATE;
            }
            if flags & EXPIRED != 0 {
                return EXPIRED_STATE;
            }
        }
        lifecycle_state(dev, &self.fleets[dev.fleet as usize])
    }
}

impl FlowCx<'_> {
    /// How many of fleet `f`'s devices are in each state (after a firmware wave, or an
    /// inspection of a fleet with software flags). A fleet without software flags is counted
    /// from the up and degraded flags alone, without a branch a device: a fleet of 50,000
    /// meters recounted a device at a time was 7% of the national run's instructions. The counts are the same as [`FlowCx::device_state`]'s.
    fn fleet_states(&self, f: usize) -> [u64; STATES] {
        let fleet = &self.fleets[f];
        let first = fleet.first_device;
        let mut states = [0; STATES];
        if self.software.keeps_flags(f) {
            for d in first..first + fleet.count {
                states[self.device_state(d)] += 1;
            }
            return states;
        }
        let degradable = fleet.life.degradation.is_some();
        let (mut down, mut degraded) = (0u64, 0u64);
        for dev in &self.devices[first as usize..(first + fleet.count) as usize] {
            down += u64::from(!dev.up);
            degraded += u64::from(dev.up & dev.degraded & degradable);
        }
        states[DOWN] = down;
        states[DEGRADED] = degraded;
        states[HEALTHY] = u64::from(fleet.count) - down - degraded;
        states
    }
}

/// The state a device is in by its own flags (up, degraded), before software: a fleet without
/// software flags is in no other (what its lives lived ahead record).
pub(super) fn lifecycle_state(dev: &Device, fleet: &FleetRt) -> usize {
    if !dev.up {
        DOWN
    } else if dev.degraded && fleet.life.degradation.is_some() {
        DEGRADED
    } else {
        HEALTHY
    }
}

impl Flow {
    /// Fleet `f`'s devices lived their lives ahead: their state changes over the run (taken
    /// out of `changes`, which is left empty to gather the next fleet's).
    pub(super) fn lived_ahead(&mut self, f: usize, changes: &mut Timeline) {
        self.fleets[f].timeline = changes.take_sorted();
    }
}

/// Flow mode observing the world's state changes: before each (settle what it touches),
/// after it (move the changed device or fleet between states), and at the end.
impl Flow {
    /// After an event is handled: the device or fleet it may have changed moves between
    /// states (its fleet's time in each was integrated up to now before).
    pub(in crate::model::world) fn after(&mut self, cx: &mut FlowCx<'_>) {
        match std::mem::replace(&mut self.pending, Pending::None) {
            Pending::None => {}
            Pending::Device { d, before } => {
                let after = cx.device_state(d);
                if after != before {
                    let fl = &mut self.fleets[cx.devices[d as usize].fleet as usize];
                    fl.states[before] -= 1;
                    fl.states[after] += 1;
                }
            }
            Pending::Fleet(f) => self.fleets[f].states = cx.fleet_states(f),
            Pending::Inspected { f, replaced } => {
                let n = cx.acc.degradation.condition_replacements - replaced;
                let states = &mut self.fleets[f].states;
                states[DEGRADED] -= n;
                states[HEALTHY] += n;
                // Checked against a recount in debug builds (when this was written, the flow,
                // degradation, warm-up and inventory tests were also run with it switched on
                // in an optimised build).
                #[cfg(debug_assertions)]
                assert_eq!(*states, cx.fleet_states(f), "fleet {f} after an inspection");
            }
        }
        if !self.cells.fleets.is_empty() {
            self.cellular_after(cx);
        }
    }

    /// Recounts fleet `f`'s devices in each state (after devices start down at time 0).
    pub(in crate::model::world) fn recount(&mut self, f: usize, cx: &mut FlowCx<'_>) {
        self.pending = Pending::Fleet(f);
        self.after(cx);
    }

    /// Before `event` is handled at `now`: settles the components it touches up to now.
    /// Device failures and repairs only move their fleet's count of down devices.
    pub(in crate::model::world) fn before(
        &mut self,
        now: Ticks,
        event: Event,
        net: &mut Network,
        cx: &mut FlowCx<'_>,
    ) {
        let mut touched = std::mem::take(&mut self.scratch);
        touched.clear();
        net.touched_by(event, |t| {
            let c = match t {
                Touched::Gateway(g) => self.comp_of_gateway[g],
                Touched::Fleet(f) => self.comp_of_fleet[f],
            };
            // A fleet on its own SIMs is in no component (settled below).
            if c != u32::MAX {
                touched.push(c);
            }
        });
        // Per-device state changes settle nothing: their fleet's time in each state is
        // integrated up to now, and `after` moves the device (or the fleet's devices).
        match event {
            Event::DeviceFail(d)
            | Event::DeviceRepair(d)
            | Event::Cert { device: d, .. }
            | Event::Unbrick(d)
            | Event::DeviceDegrade(d) => {
                let f = cx.devices[d as usize].fleet as usize;
                self.fleets[f].integrate(now);
                self.pending = Pending::Device {
                    d,
                    before: cx.device_state(d),
                };
            }
            Event::Wave { campaign, .. } => {
                let f = cx.software.campaign_fleet(campaign as usize);
                self.fleets[f].integrate(now);
                self.pending = Pending::Fleet(f);
            }
            Event::Inspect(f) if cx.fleets[f as usize].lived_ahead => {}
            Event::Inspect(f) => {
                let f = f as usize;
                self.fleets[f].integrate(now);
                // A national meter fleet is inspected yearly, 50,000 devices at a time: the
                // recount was a second scan of the fleet's entries after the inspection's own.
                self.pending = if cx.software.keeps_flags(f) {
                    Pending::Fleet(f)
                } else {
                    let replaced = cx.acc.degradation.condition_replacements;
                    Pending::Inspected { f, replaced }
                };
            }
            _ if self.cells.fleets.is_empty() => {}
            // A device's own connectivity timer, or its fleet's platform's: that fleet only.
            Event::Cell { device, .. } => {
                let f = cx.devices[device as usize].fleet as usize;
                self.cellular_before(cx, net, Some(f), now);
            }
            Event::Platform { device, .. } => {
                if let Some(f) = cx.cellular.fleet_starting_at(device) {
                    self.cellular_before(cx, net, Some(f), now);
                }
            }
            // Anything else may move carriers or links: every fleet on its own SIMs.
            _ => self.cellular_before(cx, net, None, now),
        }
        touched.sort_unstable();
        touched.dedup();
        for &c in &touched {
            self.settle_component(net, cx, c as usize, now);
        }
        self.scratch = touched;
    }

    /// Settles every component up to the horizon and counts what is still buffered.
    pub(in crate::model::world) fn finish(&mut self, net: &mut Network, cx: &mut FlowCx<'_>) {
        for c in 0..self.comps.len() {
            self.settle_component(net, cx, c, cx.horizon);
        }
        for k in 0..self.cells.fleets.len() {
            let f = self.cells.fleets[k].fleet();
            self.settle_cellular(cx, net, f, cx.horizon);
        }
        self.cellular_finish(cx);
        cx.acc.ledger.buffered_at_horizon += self.buffered();
    }

    /// Accounts every message of component `c`'s fleets from its settled time up to `now`,
    /// with the state that held over the interval.
    pub(super) fn settle_component(
        &mut self,
        net: &mut Network,
        cx: &mut FlowCx<'_>,
        c: usize,
        now: Ticks,
    ) {
        let t0 = self.comps[c].settled;
        if now > t0 {
            self.comps[c].settled = now;
            let span = now - t0;
            for i in 0..self.comps[c].fleets.len() {
                let f = self.comps[c].fleets[i] as usize;
                self.settle_fleet(cx, net, f, t0, now, span);
            }
            for i in 0..self.comps[c].gateways.len() {
                let g = self.comps[c].gateways[i] as usize;
                self.settle_gateway(cx, net, g, t0, now);
            }
            for i in 0..self.comps[c].sites.len() {
                let s = self.comps[c].sites[i] as usize;
                let floor = self.site_floor(s, now);
                cx.acc.freshness[s].settle(floor);
            }
        }
    }

    /// Fleet `f`'s reports over [t0, t1): generated, lost to down devices and the access
    /// link, and routed to the gateways in use (or lost when its group has none).
    fn settle_fleet(
        &mut self,
        cx: &mut FlowCx<'_>,
        net: &Network,
        f: usize,
        t0: Ticks,
        t1: Ticks,
        span: Ticks,
    ) {
        let shares = self.fleets[f].state_shares(t1, span);
        let effect = cx.fleets[f].life.degradation.as_ref().map(|d| d.effect);
        let collide = lora::collision_share(self, f, t1, span);
        for m in 0..self.fleets[f].homes.len() {
            let fl = &mut self.fleets[f];
            let n = fl.homes[m].count(&mut fl.rng, t0, t1);
            if n == 0 {
                continue;
            }
            cx.acc.ledger.generated += n;
            spread(&mut cx.acc.series, 0, t0, t1, n, cx.acc.span);
            let (split, left) = fl.split_by_state(m, n, &shares);
            cx.acc.ledger.lost[LossCause::DeviceDown as usize] += split[DOWN];
            cx.acc.ledger.lost[LossCause::Firmware as usize] += split[BRICKED_STATE];
            cx.acc.ledger.lost[LossCause::AuthExpired as usize] += split[EXPIRED_STATE];
            // Degraded sensors: out of accuracy, or dropped before they are sent.
            let degraded = split[DEGRADED];
            let (bad, dropped) = match effect {
                _ if degraded == 0 => (0, 0),
                Some(Effect::AllWrong) => (degraded, 0),
                Some(Effect::Noise(p)) => (fluid::binomial(&mut fl.rng, degraded, p), 0),
                Some(Effect::Dropouts(p)) => (0, fluid::binomial(&mut fl.rng, degraded, p)),
                None => (0, 0),
            };
            cx.acc.ledger.lost[LossCause::SensorDropout as usize] += dropped;
            let good = left + degraded - bad - dropped;
            let home = cx.fleets[f].first_device + m as u32;
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
                self.keep(cx, f, m, offered, up, span);
                continue;
            }
            if self.cells.is_cellular(f) {
                self.cellular_readings(cx, f, good, bad, t0, t1);
                continue;
            }
            // (A LoRa fleet keeps no device buffer: `compile` refuses the pair.)
            let (good, bad) = if self.radios.is_lora(f) {
                self.on_air(cx, f, m, collide, good, bad)
            } else {
                (good, bad)
            };
            self.send_home(cx, net, f, m, good, bad, t0, t1);
        }
    }

    /// Home `m` of fleet `f` sends `good` readings and `bad` ones (out of accuracy) created
    /// over [t0, t1) over its access link to the gateway its group routes it to (lost when
    /// the group has none in use).
    #[allow(clippy::too_many_arguments)]
    fn send_home(
        &mut self,
        cx: &mut FlowCx<'_>,
        net: &Network,
        f: usize,
        m: usize,
        good: u64,
        bad: u64,
        t0: Ticks,
        t1: Ticks,
    ) {
        let fl = &mut self.fleets[f];
        let access = &cx.fleets[f].access;
        let arrived_good = access.survivors(&mut fl.rng, good);
        let arrived_bad = if bad > 0 {
            access.survivors(&mut fl.rng, bad)
        } else {
            0
        };
        let arrived = arrived_good + arrived_bad;
        cx.acc.ledger.lost[LossCause::LinkLoss as usize] += good + bad - arrived;
        if arrived == 0 {
            return;
        }
        let first_of_home = cx.fleets[f].first_device + m as u32;
        match net.route(f, first_of_home) {
            None => cx.acc.ledger.lost[LossCause::GatewayDown as usize] += arrived,
            Some(g) => self.gateways[g].incoming.push(Chunk {
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
