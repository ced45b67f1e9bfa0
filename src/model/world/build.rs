//! Building a replication's state from the `Deployment`: fleets, devices, gateways, carriers,
//! common causes, redundancy groups and failover places, each in flat arrays, streams keyed by
//! what they describe. Nothing is drawn or scheduled here (`World::schedule_start` does that).

use std::collections::VecDeque;

use crate::engine::random::member_key;
use crate::engine::{StreamKey, Ticks};
use crate::scenario::Deployment;

use super::super::failover;
use super::super::ledger::Downtime;
use super::super::link::Hop;
use super::{
    CarrierRt, CauseRt, Choice, CustomPolicies, Device, FleetRt, GatewayRt, GroupRt, Health, Place,
    PolicyRequest, Server, UplinkRt, process,
};

/// The key of entity `entity`'s stream for process `process` in this replication.
type Key<'a> = &'a dyn Fn(u64, u64) -> StreamKey;

/// The fleets, and how many devices have device buffers and lifecycle clocks (the fleets'
/// offsets into those arrays are set). LoRa radios are set by the radio.
pub(super) fn fleets(dep: &Deployment) -> (Vec<FleetRt>, u32, u32) {
    let mut first_device = 0u32;
    let mut fleets: Vec<FleetRt> = dep
        .fleets
        .iter()
        .map(|f| {
            let first = first_device;
            first_device += f.count;
            let members = &dep.groups[f.group].members;
            FleetRt {
                key: f.key,
                first_device: first,
                group: f.group as u32,
                site: f.site as u32,
                single_gateway: (members.len() == 1).then(|| members[0] as u32),
                message_bits: 8.0 * f.message_bytes as f64,
                report: f.report.clone(),
                access: Hop::new(&f.link),
                failure: f.failure.clone(),
                life: f.life.clone(),
                count: f.count,
                first_clock: 0,
                path_up: true,
                down_since: 0,
                lora: None,
                device_buffer: f.buffer_messages,
                first_buffer: 0,
                cellular: f.cellular.is_some(),
            }
        })
        .collect();
    let mut buffered_devices = 0u32;
    let mut clocked_devices = 0u32;
    for (f, spec) in fleets.iter_mut().zip(&dep.fleets) {
        if f.device_buffer > 0 {
            f.first_buffer = buffered_devices;
            buffered_devices += spec.count;
        }
        if f.life.has_clocks() {
            f.first_clock = clocked_devices;
            clocked_devices += spec.count;
        }
    }
    (fleets, buffered_devices, clocked_devices)
}

/// Every device of every fleet, in fleet order, up and with its own traffic stream.
pub(super) fn devices(dep: &Deployment, key: Key<'_>) -> Vec<Device> {
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
                failed: false,
                degraded: false,
            });
        }
    }
    devices
}

/// The gateways, up, with no uplink in use until their policies start.
pub(super) fn gateways(dep: &Deployment, key: Key<'_>, horizon: Ticks) -> Vec<GatewayRt> {
    dep.gateways
        .iter()
        .map(|g| GatewayRt {
            health: Health::UP,
            active: None,
            connected: true,
            uplinks: g
                .uplinks
                .iter()
                .map(|u| UplinkRt {
                    carrier: u.carrier,
                    hop: Hop::new(&u.link),
                    bad: false,
                    rate_bps: u.link.data_rate_bps,
                })
                .collect(),
            capacity: g.buffer_messages,
            drop: g.drop,
            buffer: VecDeque::new(),
            server: g.has_capacity_limit().then(|| Server {
                service: g.service.clone(),
                rng: key(g.key, process::SERVICE).stream(),
                in_service: None,
                busy: false,
                busy_since: 0,
                busy_total: 0,
            }),
            life: key(g.key, process::LIFECYCLE).stream(),
            failure: g.failure.clone(),
            groups: vec![],
            connectivity_down: Downtime::new(horizon),
        })
        .collect()
}

/// The carriers, up, each with the gateways that have an uplink through it.
pub(super) fn carriers(dep: &Deployment, key: Key<'_>) -> Vec<CarrierRt> {
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
    carriers
}

/// The common causes and the units each holds down.
pub(super) fn causes(dep: &Deployment, key: Key<'_>) -> Vec<CauseRt> {
    dep.causes
        .iter()
        .map(|c| CauseRt {
            stream: key(c.key, process::OUTAGES).stream(),
            laws: c.outages.clone(),
            units: c.units.clone(),
        })
        .collect()
}

/// The failover places (one per gateway for its uplinks, then one per redundancy group of
/// several gateways, with `custom`'s policy where it gives one) and the groups; each gateway
/// learns its groups.
pub(super) fn places_and_groups(
    dep: &Deployment,
    key: Key<'_>,
    custom: CustomPolicies<'_>,
    gateways: &mut [GatewayRt],
) -> (Vec<Place>, Vec<GroupRt>) {
    let mut places = Vec::with_capacity(dep.gateways.len() + dep.groups.len());
    let make_place = |choice: Choice, place_key: u64, request: PolicyRequest<'_>| Place {
        choice,
        policy: custom(&request).unwrap_or_else(|| failover::builtin(request.spec)),
        up: vec![true; request.members.len()],
        in_use: vec![false; request.members.len()],
        rng: key(place_key, process::FAILOVER).stream(),
        abandoned: None,
    };
    for (gi, g) in dep.gateways.iter().enumerate() {
        let members: Vec<String> = g
            .uplinks
            .iter()
            .map(|u| dep.carriers[u.carrier].id.clone())
            .collect();
        let request = PolicyRequest {
            place: &g.id,
            gateways: false,
            members: &members,
            spec: &g.failover,
        };
        let choice = Choice::Uplinks { gateway: gi as u32 };
        places.push(make_place(choice, g.key, request));
    }
    let mut groups = Vec::with_capacity(dep.groups.len());
    for (k, group) in dep.groups.iter().enumerate() {
        for &m in &group.members {
            gateways[m].groups.push(k as u32);
        }
        let place = (group.members.len() > 1).then(|| {
            let members: Vec<String> = group
                .members
                .iter()
                .map(|&m| dep.gateways[m].id.clone())
                .collect();
            let request = PolicyRequest {
                place: &group.id,
                gateways: true,
                members: &members,
                spec: &group.policy,
            };
            let choice = Choice::Gateways { group: k as u32 };
            places.push(make_place(choice, group.key, request));
            (places.len() - 1) as u32
        });
        groups.push(GroupRt {
            members: group.members.iter().map(|&m| m as u32).collect(),
            place,
            fleets: (0..dep.fleets.len() as u32)
                .filter(|&f| dep.fleets[f as usize].group == k)
                .collect(),
        });
    }
    (places, groups)
}
