//! The network's state from the `Deployment`: gateways, carriers, common causes, redundancy
//! groups and failover places, and each fleet's attachment, in flat arrays with streams keyed
//! by what they describe. Nothing is drawn or scheduled here.

use std::collections::VecDeque;

use crate::engine::{StreamKey, Ticks};
use crate::scenario::{Deployment, Pool};

use super::super::super::failover;
use super::super::super::ledger::Downtime;
use super::super::super::link::Hop;
use super::super::{CustomPolicies, PolicyRequest, process};
use super::{
    CarrierRt, CauseRt, Choice, FleetHold, FleetPath, GatewayRt, GroupRt, Health, Network, Place,
    Server, UplinkRt,
};

/// The key of entity `entity`'s stream for process `process` in this replication.
type Key<'a> = &'a dyn Fn(u64, u64) -> StreamKey;

impl Network {
    /// The network of one replication running to `horizon`, with `custom`'s failover policies
    /// where it gives one.
    pub(in crate::model::world) fn new(
        dep: &Deployment,
        key: Key<'_>,
        custom: CustomPolicies<'_>,
        horizon: Ticks,
    ) -> Network {
        let mut gateways = gateways(dep, key, horizon);
        let (places, groups) = places_and_groups(dep, key, custom, &mut gateways);
        let round_robin = groups.iter().any(|g| g.pool == Pool::RoundRobin);
        let causes = causes(dep, key);
        let devices = dep.fleets.iter().map(|f| f.count as usize).sum();
        let device_holds = if causes.iter().any(|c| !c.fleets.is_empty()) {
            vec![0; devices]
        } else {
            vec![]
        };
        Network {
            gateways,
            carriers: carriers(dep, key),
            causes,
            device_holds,
            groups,
            places,
            faults: dep.faults.clone(),
            paths: paths(dep),
            timers: vec![],
            round_robin,
        }
    }
}

/// Each fleet's attachment: its group (or only gateway), site and message size, path up.
fn paths(dep: &Deployment) -> Vec<FleetPath> {
    let mut first_device = 0u32;
    dep.fleets
        .iter()
        .map(|f| {
            let first = first_device;
            first_device += f.count;
            let members = &dep.groups[f.group].members;
            FleetPath {
                group: f.group as u32,
                single_gateway: (members.len() == 1).then(|| members[0] as u32),
                first_device: first,
                site: f.site as u32,
                message_bits: 8.0 * f.message_bytes as f64,
                up: true,
                down_since: 0,
                direct: f.cellular.is_some(),
            }
        })
        .collect()
}

/// The gateways, up, with no uplink in use until their policies start.
fn gateways(dep: &Deployment, key: Key<'_>, horizon: Ticks) -> Vec<GatewayRt> {
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
                channels: vec![None; g.servers as usize].into_boxed_slice(),
                busy: 0,
                busy_since: 0,
                busy_total: 0,
            }),
            life: key(g.key, process::LIFECYCLE).stream(),
            failure: g.failure.clone(),
            groups: vec![],
            ageing: None,
            connectivity_down: Downtime::measured(dep.warmup, horizon),
        })
        .collect()
}

/// The carriers, up, each with the gateways that have an uplink through it.
fn carriers(dep: &Deployment, key: Key<'_>) -> Vec<CarrierRt> {
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
fn causes(dep: &Deployment, key: Key<'_>) -> Vec<CauseRt> {
    let firsts: Vec<u32> = dep
        .fleets
        .iter()
        .scan(0u32, |next, f| {
            let first = *next;
            *next += f.count;
            Some(first)
        })
        .collect();
    dep.causes
        .iter()
        .map(|c| CauseRt {
            stream: key(c.key, process::OUTAGES).stream(),
            laws: c.outages.clone(),
            units: c.units.clone(),
            fleets: c
                .fleets
                .iter()
                .map(|h| FleetHold {
                    fleet: h.fleet as u32,
                    first: firsts[h.fleet],
                    count: dep.fleets[h.fleet].count,
                    share: h.share,
                })
                .collect(),
            hits: key(c.key, process::CAUSE_HITS).stream(),
            holding: vec![],
        })
        .collect()
}

/// The failover places (one per gateway for its uplinks, then one per redundancy group of
/// several gateways, with `custom`'s policy where it gives one) and the groups; each gateway
/// learns its groups.
fn places_and_groups(
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
        let idle = group.standby.idle_rate();
        if idle < 1.0 {
            for (i, &m) in group.members.iter().enumerate() {
                if gateways[m].failure.is_some() {
                    let ageing = super::standby::Ageing::new(idle, k as u32, i as u32);
                    gateways[m].ageing = Some(Box::new(ageing));
                }
            }
        }
        groups.push(GroupRt {
            members: group.members.iter().map(|&m| m as u32).collect(),
            place,
            fleets: (0..dep.fleets.len() as u32)
                .filter(|&f| dep.fleets[f as usize].group == k)
                .collect(),
            pool: group.pool,
            turn: 0,
            at_least: group.at_least,
        });
    }
    (places, groups)
}
