//! Building a replication from the `Deployment`: its fleets and devices in flat arrays,
//! streams keyed by what they describe (the network builds its own part: `network/build.rs`),
//! the parts, which fleets take the short paths (plain reports, lives lived ahead), and the
//! first events (`World::schedule_start`, the only place here that draws or schedules).

use crate::engine::random::member_key;
use crate::engine::{Stream, StreamKey};
use crate::scenario::Deployment;

use super::super::link::Hop;
use crate::engine::{Duration, DurationDist, Scheduler, Ticks};
use crate::model::event::Packed;
use crate::model::trace::Observer;
use crate::scenario::inventory::Start;

use super::accounts::Accounts;
use super::cellular::Cellular;
use super::crews::Crews;
use super::flow::{self, FlowCx};
use super::life::{Life, LifeCx};
use super::network::Network;
use super::radio::Radio;
use super::reporting::Reporting;
use super::software::Software;
use super::{CustomPolicies, Device, FleetRt, RunMode, World, process};

/// The fewest devices a fleet has for its arrivals to take a lane. A lane spares each of its
/// events the queue's sorting but costs every event a comparison, and the queue of a small
/// fleet is cheap: on the peer model over 10 simulated days (release build, user CPU, 2026-12-07)
/// lanes saved nothing at 300 devices, 1–7% at 1,000 and 9–14% at 3,000, and the factory
/// scenario (a lane for its 100 wired transmitters, a quarter of its events) took 2.7% longer.
const LANE_DEVICES: u32 = 1_000;

/// The key of entity `entity`'s stream for process `process` in this replication.
type Key<'a> = &'a dyn Fn(u64, u64) -> StreamKey;

/// The fleets, and how many devices have device buffers (the fleets' offsets into that array
/// are set). LoRa radios are set by the radio, lifecycle clocks by the lifecycle part
/// (`Life::keep_clocks`).
pub(super) fn fleets(dep: &Deployment) -> (Vec<FleetRt>, u32) {
    let mut first_device = 0u32;
    let mut fleets: Vec<FleetRt> = dep
        .fleets
        .iter()
        .map(|f| {
            let first = first_device;
            first_device += f.count;
            FleetRt {
                key: f.key,
                first_device: first,
                report: f.report.clone(),
                access: Hop::new(&f.link),
                failure: f.failure.clone(),
                life: f.life.clone(),
                count: f.count,
                first_clock: 0,
                first_power: 0,
                lora: None,
                device_buffer: f.buffer_messages,
                first_buffer: 0,
                cellular: f.cellular.is_some(),
                plain: false,
                lived_ahead: false,
                lane: None,
            }
        })
        .collect();
    let mut buffered_devices = 0u32;
    for (f, spec) in fleets.iter_mut().zip(&dep.fleets) {
        if f.device_buffer > 0 {
            f.first_buffer = buffered_devices;
            buffered_devices += spec.count;
        }
    }
    (fleets, buffered_devices)
}

/// Every device of every fleet, in fleet order, up.
pub(super) fn devices(dep: &Deployment) -> Vec<Device> {
    let mut devices = Vec::with_capacity(dep.device_count() as usize);
    for (fi, f) in dep.fleets.iter().enumerate() {
        for _ in 0..f.count {
            devices.push(Device {
                fleet: fi as u32,
                life_draws: 0,
                sent: 0,
                up: true,
                access_bad: false,
                failed: false,
                degraded: false,
            });
        }
    }
    devices
}

/// Every device's own traffic stream, in the order of [`devices`] (packet mode).
pub(super) fn traffic(dep: &Deployment, key: Key<'_>) -> Vec<Stream> {
    let mut traffic = Vec::with_capacity(dep.device_count() as usize);
    for f in &dep.fleets {
        for i in 0..f.count as u64 {
            traffic.push(key(member_key(f.key, i), process::TRAFFIC).stream());
        }
    }
    traffic
}

impl<O: Observer> World<O> {
    /// Builds the world in packet mode or flow mode (`mode`), to run until `end` (the
    /// horizon, or earlier for a fleet end of life), and schedules its first events.
    pub(super) fn build(
        dep: &Deployment,
        replication: u64,
        sched: &mut Scheduler<Packed>,
        observer: O,
        custom: CustomPolicies<'_>,
        mode: RunMode,
        end: Ticks,
    ) -> World<O> {
        let horizon = end;
        let flow = mode != RunMode::Packet;
        let key = |entity: u64, process: u64| StreamKey {
            seed: dep.seed,
            replication,
            entity,
            process,
        };
        let (mut fleets, buffered_devices) = fleets(dep);
        let (radio, radios) = Radio::new(dep, &key);
        for (fleet, rt) in fleets.iter_mut().zip(radios) {
            fleet.lora = rt;
        }
        let devices = devices(dep);
        let traffic = if flow { Vec::new() } else { traffic(dep, &key) };
        let net = Network::new(dep, &key, custom, horizon);
        let mut world = World {
            observer,
            horizon,
            devices,
            traffic,
            fleets,
            net,
            // Flow mode keeps device buffers in aggregate (`flow/kept.rs`).
            reporting: Reporting::new(if flow { 0 } else { buffered_devices }),
            acc: Accounts::new(dep, horizon),
            radio,
            life: Life::new(dep, replication),
            software: Software::new(dep, replication),
            crews: Crews::new(dep, replication),
            cellular: Cellular::new(dep, replication, horizon),
            flow: flow.then(|| Box::new(flow::Flow::new(dep, replication))),
        };
        if flow {
            world.acc.without_message_statistics();
        }
        world.mark_plain_fleets();
        if !flow {
            world.open_lanes(sched);
        }
        world.mark_lived_ahead(dep, end, mode == RunMode::Flow { lived_ahead: true });
        world.life.keep_clocks(&mut world.fleets);
        if flow {
            // About one lifecycle event pending per device that lives event by event.
            let lived: u64 = world
                .fleets
                .iter()
                .filter(|f| f.lived_ahead)
                .map(|f| u64::from(f.count))
                .sum();
            sched.reserve((dep.device_count() - lived) as usize);
        }
        world.schedule_start(sched, dep.inventory.as_ref());
        world
    }

    /// Marks the fleets whose reports take the short path (`FleetRt::plain`).
    fn mark_plain_fleets(&mut self) {
        let may_hold = self.net.may_hold_devices();
        for (f, fleet) in self.fleets.iter_mut().enumerate() {
            fleet.plain = !may_hold
                && !self.software.keeps_flags(f)
                && fleet.life.degradation.is_none()
                && !fleet.cellular
                && fleet.device_buffer == 0
                && fleet.lora.is_none();
        }
    }

    /// Opens a scheduler lane for the arrivals of each fleet of at least [`LANE_DEVICES`]
    /// whose access link has a fixed latency (packet mode; not LoRa, whose arrivals follow
    /// their time on air, nor own SIMs, which reach a carrier, not a gateway): they then skip
    /// the queue's sorting.
    fn open_lanes(&mut self, sched: &mut Scheduler<Packed>) {
        for fleet in &mut self.fleets {
            if let DurationDist::Fixed(delay) = fleet.access.latency()
                && fleet.count >= LANE_DEVICES
                && fleet.lora.is_none()
                && !fleet.cellular
            {
                fleet.lane = sched.lane(Duration(*delay));
            }
        }
    }

    fn schedule_start(&mut self, sched: &mut Scheduler<Packed>, start: Option<&Start>) {
        let packets = self.flow.is_none();
        for d in 0..self.devices.len() as u32 {
            if self.fleets[self.devices[d as usize].fleet()].lived_ahead {
                continue;
            }
            if packets {
                Reporting::schedule_first(sched, &self.devices, &mut self.traffic, &self.fleets, d);
            }
            let fleet = self.devices[d as usize].fleet as usize;
            let first = self.fleets[fleet].first_device;
            let listed = start.and_then(|s| s.state(fleet, d - first));
            if let Some(m) = listed.and_then(|s| s.profile) {
                self.cellular.start_on_profile(fleet, d, m);
            }
            self.life
                .start_device(sched, &mut life_cx!(self), d, listed);
        }
        self.net.schedule_outages(sched);
        self.software.schedule_start(sched, start);
        if start.is_some()
            && let Some(flow) = self.flow.as_deref_mut()
        {
            // Devices that start down leave their fleets' healthy counts (flow mode; a fleet
            // lived ahead has them on its timeline).
            for f in 0..self.fleets.len() {
                if !self.fleets[f].lived_ahead {
                    flow.recount(f, &mut flow_cx!(self));
                }
            }
        }
        self.live_ahead(start);
        self.net.schedule_faults(sched);
        self.life.schedule_inspections(sched, &self.fleets);
        self.with_network(|net, world| net.start(sched, world));
        self.cellular_start(sched);
    }
}
