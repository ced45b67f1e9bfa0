//! The network part: gateways (health, uplinks, the uplink in use, buffer, forwarding server),
//! carriers, common causes, scripted faults, redundancy groups and failover places (each with
//! its [`FailoverPolicy`]), and the paths derived from them (which gateway a device reaches,
//! whether a fleet's path to the cloud is up).
//!
//! It owns that state and changes it only through its own methods. What it needs of the rest
//! of the world is explicit:
//! - carrying a message through a gateway ([`Courier`]): the accounts, the observer, the
//!   horizon, and the sending device's traffic stream (uplink draws use it, so a message's
//!   fate does not depend on other devices' traffic);
//! - a change that cascades (a gateway fails, a carrier comes back, a policy switches) calls
//!   the [`Host`] at the points where another part must act, in the order packet mode has
//!   always done it: "the devices of group g may reach a gateway again" (device buffers
//!   flush), "gateway g was refreshed" (its backlog may leave), "gateway g failed and needs a
//!   repair" (a crew may take the job);
//! - a scripted fault on a fleet's access link is handed back ([`AccessFault`]): the fleet's
//!   link is not the network's.
//!
//! Room left for what comes next: a fleet's attachment is one [`FleetPath`] record, so a
//! device attached to carriers directly (no gateway) is one more way of routing in `route`;
//! a gateway's server holds the messages in service in one slot per channel
//! (`Server::channels`).

use std::collections::VecDeque;

use crate::engine::{DurationDist, Scheduler, Stream, Ticks};
use crate::scenario::{DropPolicy, FailureSpec, FaultSpec, FaultTarget, Pool, Unit};

use super::super::event::{Event, Packed};
use super::super::failover::FailoverPolicy;
use super::super::ledger::{Downtime, LossCause};
use super::super::link::Hop;
use super::super::trace::{Observer, Trace};
use super::accounts::Accounts;
use super::{Device, Msg};

mod build;
mod gateways;
mod outages;
mod places;
mod standby;

/// The network's state in one replication.
#[derive(Default)]
pub(super) struct Network {
    gateways: Vec<GatewayRt>,
    carriers: Vec<CarrierRt>,
    causes: Vec<CauseRt>,
    groups: Vec<GroupRt>,
    places: Vec<Place>,
    faults: Vec<FaultSpec>,
    /// Per fleet: where its devices attach, and whether its path to the cloud is up.
    paths: Vec<FleetPath>,
    /// Scratch space for the timers a policy sets in one call.
    timers: Vec<(Ticks, u32)>,
    /// Whether a group pools by `RoundRobin` (its turn moves with every message).
    round_robin: bool,
    /// Per device, how many common causes hold it down now; empty when no cause takes down
    /// devices, so the check costs one comparison.
    device_holds: Vec<u16>,
}

/// What the network asks of the rest of the world while a change cascades through it. The
/// world answers each call at once, so effects keep packet mode's order exactly.
pub(super) trait Host {
    /// Reports a step to the observer.
    fn observe(&mut self, now: Ticks, step: Trace);
    /// The accounts, to count failovers, outages and downtimes.
    fn accounts(&mut self) -> &mut Accounts;
    /// Gateway `g` failed and needs `after` of repair: true if a crew took the job (it will
    /// schedule the repair), false if the network schedules it itself.
    fn gateway_repair_job(&mut self, sched: &mut Scheduler<Packed>, g: usize, after: Ticks)
    -> bool;
    /// Carrier `c` went down (`up == false`) or came back: devices on their own SIMs react.
    fn carrier_changed(
        &mut self,
        sched: &mut Scheduler<Packed>,
        net: &mut Network,
        c: usize,
        up: bool,
    );
    /// Devices of group `group`'s fleets may reach a gateway again: they send what they kept.
    fn group_reachable(&mut self, sched: &mut Scheduler<Packed>, net: &mut Network, group: usize);
    /// A common cause took device `d` of fleet `fleet` down (`held`) or let it go now: its
    /// fleet's k-of-n service level may change.
    fn device_held(&mut self, now: Ticks, fleet: usize, d: u32, held: bool);
    /// Gateway `g`'s connectivity was brought up to date: its backlog may leave if it can
    /// forward.
    fn gateway_refreshed(&mut self, sched: &mut Scheduler<Packed>, net: &mut Network, g: usize);
}

/// What carrying a message through a gateway needs from outside the network.
pub(super) struct Courier<'a, O> {
    pub(super) acc: &'a mut Accounts,
    pub(super) observer: &'a mut O,
    /// Every device (the sender's fleet) and its traffic stream, which draws the message's
    /// uplink fate.
    pub(super) senders: &'a [Device],
    pub(super) traffic: &'a mut [Stream],
    pub(super) horizon: Ticks,
}

impl<O: Observer> Courier<'_, O> {
    #[inline(always)]
    fn lose(&mut self, now: Ticks, msg: Msg, cause: LossCause) {
        let fleet = self.senders[msg.device as usize].fleet();
        self.acc.lost(cause, fleet);
        self.observer.observe(now, Trace::Lost(msg.id(), cause));
    }
}

/// A scripted fault on fleet `fleet`'s access link, for the world to apply to the fleet.
#[derive(Clone, Copy, Debug)]
pub(super) struct AccessFault {
    pub(super) fleet: usize,
    pub(super) loss: f64,
    pub(super) begins: bool,
}

/// What the network knows of a fleet: where its devices attach (its redundancy group, or its
/// only gateway), the site it reports for, the size of its messages on an uplink, and its path
/// state.
#[derive(Debug)]
pub(super) struct FleetPath {
    group: u32,
    /// The gateway, when the fleet's group has one member (no routing decision to make).
    single_gateway: Option<u32>,
    first_device: u32,
    site: u32,
    message_bits: f64,
    /// Whether every device of the fleet has a working path to the cloud, and since when not.
    up: bool,
    down_since: Ticks,
    /// Its devices attach to carriers on their own SIMs (`world::cellular`): no gateway; the
    /// path is what the world last said with [`Network::direct_service`].
    direct: bool,
}

/// One uplink of a gateway: its carrier, its hop and the hop's bursty-loss state.
#[derive(Debug)]
struct UplinkRt {
    carrier: usize,
    hop: Hop,
    bad: bool,
    /// Usable throughput: a message occupies the uplink for its bits over this rate.
    rate_bps: Option<f64>,
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
    /// Index into `uplinks` of the uplink in use, if any (chosen by the gateway's policy).
    active: Option<usize>,
    /// Whether the gateway can forward to the cloud: up, and the uplink in use works.
    connected: bool,
    uplinks: Vec<UplinkRt>,
    capacity: u64,
    drop: DropPolicy,
    buffer: VecDeque<Msg>,
    /// Forwarding takes time: a per-message processing time and/or the uplink's data rate.
    server: Option<Server>,
    life: Stream,
    failure: Option<FailureSpec>,
    /// Groups this gateway belongs to (its own group of one, a redundancy group, or both).
    groups: Vec<u32>,
    /// A warm or cold standby member's failure clock (`standby.rs`); none for a hot one.
    ageing: Option<Box<standby::Ageing>>,
    connectivity_down: Downtime,
}

impl GatewayRt {
    fn can_forward(&self) -> bool {
        self.health.up && self.active.is_some()
    }

    /// Messages the gateway holds: waiting, and in service.
    fn held(&self) -> usize {
        self.buffer.len() + self.server.as_ref().map_or(0, |s| s.busy as usize)
    }
}

/// A gateway's forwarding server: `servers` parallel channels sharing one FIFO queue, the
/// gateway buffer, where messages wait while every channel is busy (with no buffer, a loss
/// system: a message finding every channel busy is lost).
#[derive(Debug)]
struct Server {
    service: Option<DurationDist>,
    rng: Stream,
    /// The message each channel is serving; `None` for a free channel.
    channels: Box<[Option<Msg>]>,
    /// How many channels are serving, and since when that count holds.
    busy: u32,
    busy_since: Ticks,
    /// ∫ busy channels dt up to `busy_since`, in channel-ticks.
    busy_total: Ticks,
}

impl Server {
    /// A free channel, if any (the lowest-numbered one, so the choice is deterministic).
    #[inline]
    fn free_channel(&self) -> Option<usize> {
        self.channels.iter().position(Option::is_none)
    }

    /// The number of busy channels becomes `busy` now.
    #[inline]
    fn set_busy(&mut self, now: Ticks, busy: u32) {
        self.busy_total += (now - self.busy_since) * Ticks::from(self.busy);
        self.busy_since = now;
        self.busy = busy;
    }

    /// Channel-time spent serving up to `horizon`, over the channels: the busy time of a
    /// single channel, the mean busy time per channel of several.
    fn busy_time(&self, horizon: Ticks) -> Ticks {
        let total =
            self.busy_total + horizon.saturating_sub(self.busy_since) * Ticks::from(self.busy);
        total / self.channels.len() as Ticks
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

#[derive(Debug)]
struct CauseRt {
    stream: Stream,
    laws: FailureSpec,
    units: Vec<Unit>,
    /// The fleets whose devices it takes down, and the share each strike takes.
    fleets: Vec<FleetHold>,
    /// Which devices a strike takes (`FleetShare`): one draw per device per strike, kept
    /// apart from `stream` so the cause's timeline does not depend on the shares.
    hits: Stream,
    /// The devices the current strike holds down, to release exactly them when it clears.
    holding: Vec<u32>,
}

/// A common cause's hold on one fleet: its devices `first..first + count`, each taken down
/// by a strike with probability `share` (all of them at 1).
#[derive(Clone, Copy, Debug)]
struct FleetHold {
    fleet: u32,
    first: u32,
    count: u32,
    share: f64,
}

#[derive(Debug)]
struct GroupRt {
    members: Vec<u32>,
    /// The failover place choosing among the members; none for a group of one.
    place: Option<u32>,
    fleets: Vec<u32>,
    /// How messages pick a member in rotation.
    pool: Pool,
    /// The member a `RoundRobin` pool tries first for the next message.
    turn: u32,
    /// A k-of-n group: up while at least this many members work.
    at_least: Option<u32>,
}

impl GroupRt {
    /// The member in rotation a message from device `d` goes to by the group's `pool`, or
    /// `None` if no member is in rotation; `load` is a gateway's messages held.
    #[inline]
    fn pick(&self, in_use: &[bool], d: u32, load: impl Fn(u32) -> usize) -> Option<usize> {
        let n = self.members.len();
        let first_from = |start: usize| (0..n).map(|k| (start + k) % n).find(|&m| in_use[m]);
        match self.pool {
            Pool::Home => first_from(d as usize % n),
            Pool::FirstUp => first_from(0),
            Pool::RoundRobin => first_from(self.turn as usize % n),
            Pool::JoinShortestQueue => (0..n)
                .filter(|&m| in_use[m])
                .min_by_key(|&m| load(self.members[m])),
        }
    }
}

/// What a failover place chooses among.
#[derive(Clone, Copy, Debug)]
enum Choice {
    Uplinks { gateway: u32 },
    Gateways { group: u32 },
}

/// One failover decision point: a gateway's uplinks, or a redundancy group's gateways.
struct Place {
    choice: Choice,
    policy: Box<dyn FailoverPolicy>,
    up: Vec<bool>,
    in_use: Vec<bool>,
    rng: Stream,
    /// A failed member taken out of use, until traffic goes on over another one.
    abandoned: Option<usize>,
}

/// A unit of the network a change touches (for flow mode, which settles what it touches
/// before the change).
#[derive(Clone, Copy, Debug)]
pub(super) enum Touched {
    Gateway(usize),
    Fleet(usize),
}

impl Network {
    /// Schedules the first failures of gateways and carriers and the first strike of every
    /// common cause.
    pub(super) fn schedule_outages(&mut self, sched: &mut Scheduler<Packed>) {
        for g in 0..self.gateways.len() {
            let gw = &mut self.gateways[g];
            if let Some(f) = &gw.failure {
                let life = f.lifetime.sample(&mut gw.life);
                if gw.ageing.is_some() {
                    self.standby_new_life(sched, g, life);
                } else {
                    sched.schedule_at(life, Event::GatewayFail(g as u32).into());
                }
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
        for (i, cause) in self.causes.iter_mut().enumerate() {
            let at = cause.laws.lifetime.sample(&mut cause.stream);
            let event = Event::Cause {
                index: i as u32,
                up: false,
            };
            sched.schedule_at(at, event.into());
        }
    }

    /// Schedules the beginning and end of every scripted fault.
    pub(super) fn schedule_faults(&self, sched: &mut Scheduler<Packed>) {
        for (i, fault) in self.faults.iter().enumerate() {
            sched.schedule_at(fault.at, Event::FaultBegin(i as u32).into());
            sched.schedule_at(
                fault.at.saturating_add(fault.lasting),
                Event::FaultEnd(i as u32).into(),
            );
        }
    }

    /// Starts every failover place's policy, then sets every fleet's path state.
    pub(super) fn start(&mut self, sched: &mut Scheduler<Packed>, host: &mut impl Host) {
        for p in 0..self.places.len() {
            self.call_policy(sched, host, p, |policy, cx| policy.start(cx));
        }
        for f in 0..self.paths.len() {
            self.refresh_path(host, 0, f);
        }
    }

    /// The gateway a message from device `d` of fleet `f` goes to: the fleet's only gateway,
    /// or, in a redundancy group, the device's home member if in use, else the next in use.
    #[inline(always)]
    pub(super) fn route(&self, f: usize, d: u32) -> Option<usize> {
        let path = &self.paths[f];
        if let Some(g) = path.single_gateway {
            return Some(g as usize);
        }
        self.route_in_group(path, d)
    }

    /// [`Network::route`] for a fleet served by a redundancy group (out of line: the fleet of a
    /// single gateway, the usual case, is answered by one load).
    #[inline(never)]
    fn route_in_group(&self, path: &FleetPath, d: u32) -> Option<usize> {
        let group = &self.groups[path.group as usize];
        let place = &self.places[group.place? as usize];
        group
            .pick(&place.in_use, d - path.first_device, |g| {
                self.gateways[g as usize].held()
            })
            .map(|m| group.members[m] as usize)
    }

    /// A message from fleet `f` went to gateway `g`: a `RoundRobin` pool's next message
    /// tries the member after it first.
    #[inline]
    fn took_turn(&mut self, f: usize, g: usize) {
        let path = &self.paths[f];
        if path.single_gateway.is_some() {
            return;
        }
        let group = &mut self.groups[path.group as usize];
        if group.pool == Pool::RoundRobin
            && let Some(m) = group.members.iter().position(|&x| x as usize == g)
        {
            group.turn = (m + 1) as u32;
        }
    }

    /// Whether device `d` of fleet `f` has someone to take custody of a reading: its gateway is
    /// up and either stores what it cannot forward (a buffer) or is connected now. A gateway
    /// without a buffer is a pass-through (a cellular operator's core, a bridge): while its
    /// uplink is down nothing acknowledges the device's messages, so the device keeps them,
    /// as a tracker out of coverage keeps its fixes.
    pub(super) fn reachable(&self, f: usize, d: u32) -> bool {
        !self.cause_holds(d)
            && self.route(f, d).is_some_and(|g| {
                let gw = &self.gateways[g];
                gw.health.up && (gw.capacity > 0 || gw.connected)
            })
    }

    /// Whether any common cause can hold devices down (one that targets fleets): without one,
    /// [`Network::cause_holds`] is false for every device all run long.
    pub(super) fn may_hold_devices(&self) -> bool {
        !self.device_holds.is_empty()
    }

    /// Whether a common cause holds device `d` down now (`Fleet`, `FleetShare` targets).
    #[inline(always)]
    pub(super) fn cause_holds(&self, d: u32) -> bool {
        self.device_holds.get(d as usize).is_some_and(|&n| n > 0)
    }

    /// The fleets of group `group`.
    pub(super) fn group_fleets(&self, group: usize) -> &[u32] {
        &self.groups[group].fleets
    }

    /// Whether every device of fleet `f` has a working path to the cloud: its group has a
    /// gateway in use, and every gateway in use is connected.
    fn path_up(&self, f: usize) -> bool {
        let path = &self.paths[f];
        if path.direct {
            return path.up;
        }
        if let Some(g) = path.single_gateway {
            return self.gateways[g as usize].connected;
        }
        let group = &self.groups[path.group as usize];
        if let Some(k) = group.at_least {
            let working = group.members.iter();
            return working
                .filter(|&&g| self.gateways[g as usize].connected)
                .count() as u32
                >= k;
        }
        let Some(p) = group.place else {
            return false;
        };
        let in_use = &self.places[p as usize].in_use;
        in_use.iter().any(|&u| u)
            && group
                .members
                .iter()
                .zip(in_use)
                .all(|(&g, &u)| !u || self.gateways[g as usize].connected)
    }

    /// A fleet on its own SIMs has service on at least one device (`up`) or is dark: its path
    /// (for its site's availability) follows. Its interruptions are its devices' own, counted
    /// by `world::cellular`, so the fleet's path adds none.
    pub(super) fn direct_service(&mut self, host: &mut impl Host, now: Ticks, f: usize, up: bool) {
        let path = &mut self.paths[f];
        if up == path.up {
            return;
        }
        path.up = up;
        let site = path.site as usize;
        host.accounts().fleet_path(now, site, up, now);
        host.accounts().fleet_path_changed(now, f, up);
    }

    /// Updates fleet `f`'s path state, its site's availability and the recovery times.
    fn refresh_path(&mut self, host: &mut impl Host, now: Ticks, f: usize) {
        let up = self.path_up(f);
        let path = &mut self.paths[f];
        if up == path.up {
            return;
        }
        path.up = up;
        let since = path.down_since;
        if !up {
            path.down_since = now;
        }
        let site = path.site as usize;
        host.accounts().fleet_path(now, site, up, since);
        host.accounts().fleet_path_changed(now, f, up);
    }

    /// A scripted fault or maintenance window begins (`begins`) or ends. A fault on a fleet's
    /// access link is handed back: the fleet's link is not the network's.
    pub(super) fn fault(
        &mut self,
        sched: &mut Scheduler<Packed>,
        host: &mut impl Host,
        i: usize,
        begins: bool,
    ) -> Option<AccessFault> {
        match self.faults[i].target {
            FaultTarget::Down(unit) => self.hold_down(sched, host, unit, begins),
            FaultTarget::AccessLink { fleet, loss } => {
                return Some(AccessFault {
                    fleet,
                    loss,
                    begins,
                });
            }
            FaultTarget::Uplink {
                gateway,
                uplink,
                loss,
            } => self.gateways[gateway].uplinks[uplink]
                .hop
                .degrade(loss, begins),
        }
        None
    }

    /// The units of the network `event` is about to change, handed one by one to `touched`
    /// (flow mode settles them first).
    pub(super) fn touched_by(&self, event: Event, mut touched: impl FnMut(Touched)) {
        let mut unit = |u: Unit| match u {
            Unit::Carrier(c) => {
                for &g in &self.carriers[c].users {
                    touched(Touched::Gateway(g as usize));
                }
            }
            Unit::Gateway(g) => touched(Touched::Gateway(g)),
        };
        match event {
            Event::GatewayFail(g) | Event::GatewayRepair(g) => unit(Unit::Gateway(g as usize)),
            Event::CarrierDown(c) | Event::CarrierUp(c) => unit(Unit::Carrier(c as usize)),
            Event::FaultBegin(i) | Event::FaultEnd(i) => match self.faults[i as usize].target {
                FaultTarget::Down(u) => unit(u),
                FaultTarget::AccessLink { fleet, .. } => touched(Touched::Fleet(fleet)),
                FaultTarget::Uplink { gateway, .. } => unit(Unit::Gateway(gateway)),
            },
            Event::Cause { index, .. } => {
                for &u in &self.causes[index as usize].units {
                    unit(u);
                }
            }
            Event::PolicyTimer { place, .. } => match self.places[place as usize].choice {
                Choice::Uplinks { gateway } => unit(Unit::Gateway(gateway as usize)),
                Choice::Gateways { group } => {
                    let g = self.groups[group as usize].members[0] as usize;
                    unit(Unit::Gateway(g));
                }
            },
            _ => {}
        }
    }

    /// Messages held in gateway buffers and servers (at the horizon).
    pub(super) fn held(&self) -> u64 {
        self.gateways
            .iter()
            .map(|g| {
                let in_service = g.server.as_ref().map_or(0, |s| u64::from(s.busy));
                g.buffer.len() as u64 + in_service
            })
            .sum()
    }

    /// Every message held at a gateway, with the gateway: those in service first (by
    /// channel), then the buffer in order.
    pub(super) fn held_messages(&self) -> impl Iterator<Item = (u32, &Msg)> {
        self.gateways.iter().enumerate().flat_map(|(g, gw)| {
            let channels = gw.server.as_ref().map_or(&[][..], |s| &s.channels[..]);
            channels
                .iter()
                .flatten()
                .chain(&gw.buffer)
                .map(move |m| (g as u32, m))
        })
    }

    /// Per gateway: the time its server was busy up to `horizon`.
    pub(super) fn busy_times(&self, horizon: Ticks) -> Vec<Ticks> {
        self.gateways
            .iter()
            .map(|g| g.server.as_ref().map_or(0, |s| s.busy_time(horizon)))
            .collect()
    }

    /// Per gateway: the share of time it could forward to the cloud.
    pub(super) fn connectivity(&self) -> Vec<f64> {
        self.gateways
            .iter()
            .map(|g| g.connectivity_down.availability(1))
            .collect()
    }

    pub(super) fn gateway_count(&self) -> usize {
        self.gateways.len()
    }
}

/// What flow mode reads of the network while it settles an interval (and the one thing it
/// adds: server time spent on what it settled). Flow mode never changes the network's state.
impl Network {
    /// Whether gateway `g` is up.
    pub(super) fn gateway_up(&self, g: usize) -> bool {
        self.gateways[g].health.up
    }

    /// The uplink gateway `g` has in use, if any.
    pub(super) fn uplink_in_use(&self, g: usize) -> Option<usize> {
        self.gateways[g].active
    }

    /// Whether gateway `g` forwards through a server (it has a capacity limit).
    pub(super) fn has_server(&self, g: usize) -> bool {
        self.gateways[g].server.is_some()
    }

    /// Whether gateway `g` can forward now: up, with an uplink in use.
    pub(super) fn can_forward(&self, g: usize) -> bool {
        self.gateways[g].can_forward()
    }

    /// The usable data rate of gateway `g`'s uplink in use, if limited.
    pub(super) fn rate_in_use(&self, g: usize) -> Option<f64> {
        let gw = &self.gateways[g];
        gw.active.and_then(|u| gw.uplinks[u].rate_bps)
    }

    /// Gateway `g`'s uplink `u`: its carrier and hop.
    pub(super) fn uplink(&self, g: usize, u: usize) -> (usize, &Hop) {
        let up = &self.gateways[g].uplinks[u];
        (up.carrier, &up.hop)
    }

    /// Whether carrier `c` works.
    pub(super) fn carrier_up(&self, c: usize) -> bool {
        self.carriers[c].health.up
    }

    /// Gateway `g`'s index among the members of fleet `f`'s group (0 if not a member).
    pub(super) fn member_of_fleet_group(&self, f: usize, g: usize) -> usize {
        let group = &self.groups[self.paths[f].group as usize];
        group
            .members
            .iter()
            .position(|&x| x as usize == g)
            .unwrap_or(0)
    }

    /// The site fleet `f` reports for.
    pub(super) fn site_of_fleet(&self, f: usize) -> usize {
        self.paths[f].site as usize
    }

    /// Adds `ticks` of service to gateway `g`'s busy time (flow mode's fluid server).
    /// The warm-up ends `now`: busy times restart from it, so utilisation is of the measured
    /// window (a channel busy across the instant counts from it).
    pub(super) fn warm_up(&mut self, now: Ticks) {
        for server in self.gateways.iter_mut().filter_map(|g| g.server.as_mut()) {
            server.busy_total = 0;
            server.busy_since = now;
        }
    }

    pub(super) fn add_busy(&mut self, g: usize, ticks: Ticks) {
        if let Some(server) = self.gateways[g].server.as_mut() {
            server.busy_total += ticks;
        }
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
