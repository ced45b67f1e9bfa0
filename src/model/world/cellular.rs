//! Devices attached straight to carriers, each on its own SIM (`Fleet(connectivity:
//! Cellular(...))`): which carrier each device is on, whether it has noticed that carrier's
//! outage, its switches, and the time each device spends without service.
//!
//! Every device runs the eSIM state machine of `model::failover::Esim` on its own: it notices
//! an outage of the carrier it is on after its own detection draw, switches blind to the next
//! carrier of its SIM (its own switch-time and switch-failure draws), finds that one dead too
//! after another detection, and once every carrier of its SIM has been found dead it waits;
//! when a carrier of its SIM comes back, every waiting device starts to register at that
//! instant, each after its own `attach` draw (the attach storm). A single-carrier SIM is the
//! same machine with one carrier: it waits out the outage. A platform-steered eSIM fleet also
//! hears from its connectivity platform, which notices a carrier's outage once (one draw per
//! outage) and sends every device still on it to the first carrier of its SIM that works.
//!
//! State is a few bytes a device ([`CellDevice`]); draws come from streams keyed by the device
//! and a per-device draw counter (process `CELLULAR`), so one device's failover never shifts
//! another's draws and a fleet without cellular devices draws exactly as before. The part
//! schedules its own timers (`Event::Cell`, `Event::Platform`) and tells the world which
//! devices regained service (to flush what they kept); it never touches a message.

use crate::engine::random::member_key;
use crate::engine::{DurationDist, Scheduler, Stream, StreamKey, Ticks};
use crate::scenario::{CellularSpec, Deployment, SwitchBackSpec};

use super::super::event::{Event, Packed};
use super::super::ledger::Downtime;
use super::super::trace::Observer;
use super::network::Network;
use super::process::CELLULAR;
use super::{ReportCx, World};

/// What a device does about the carrier it is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum State {
    /// Registered; sending (into a dead network too, until it notices).
    Serving,
    /// Its carrier is down; it will notice when the detection timer fires.
    Detecting,
    /// Moving to carrier `target`; no service meanwhile.
    Switching,
    /// Every carrier of its SIM was found dead: no service until one comes back.
    Waiting,
}

// Timer kinds, in the low two bits of a device timer's token; the generation is above them.
const DETECTED: u32 = 0;
const SWITCHED: u32 = 1;
const HOLD_DONE: u32 = 2;

// Platform timer kinds, in the low bit of its token; the carrier index is above it.
const PLATFORM_DETECTED: u32 = 0;
const PLATFORM_BACK: u32 = 1;

/// One device's connectivity: 24 bytes.
#[derive(Clone, Copy, Debug)]
struct CellDevice {
    /// When it last lost service (for its time to recover).
    lost_at: Ticks,
    /// Draws made so far: the next draw's stream is keyed by this counter.
    draws: u32,
    /// Bumped whenever pending timers become stale.
    generation: u16,
    /// Index into its fleet's profiles of the carrier it is on.
    cur: u8,
    /// The carrier it is moving to, while switching.
    target: u8,
    state: State,
    /// Carriers found dead one after another; once all were, it waits.
    dead_in_a_row: u8,
    /// Whether it has service now (as last settled).
    served: bool,
}

const _: () = assert!(std::mem::size_of::<CellDevice>() == 24);

/// A cellular fleet's run-time data.
#[derive(Debug)]
struct CellFleet {
    spec: CellularSpec,
    key: u64,
    /// Its first device in the world's device array, and in [`Cellular::devices`].
    first_device: u32,
    first_cell: u32,
    count: u32,
    /// The site its readings count for (freshness).
    site: u32,
    /// Devices with service now.
    served: u32,
    /// Per profile: the platform's outage generation (stale platform timers are ignored), and
    /// the platform's outage draws so far.
    platform_generation: Vec<u32>,
    platform_draws: u64,
}

/// What one replication measured of its cellular fleets, per fleet (zeros for fleets behind
/// gateways).
#[derive(Clone, Debug, Default)]
pub struct CellularStats {
    /// Per fleet: availability of service, device-time weighted.
    pub service_availability: Vec<f64>,
    /// Per fleet: every device's interruptions of service that ended before the horizon.
    pub recoveries: Vec<Vec<Ticks>>,
    /// Per fleet: completed switches to another carrier, and switches that failed.
    pub switches: Vec<u64>,
    pub switch_failures: Vec<u64>,
    /// Per fleet and carrier: messages its devices handed to the carrier (what data is billed
    /// on), and completed switches onto it (what switch fees are billed on).
    pub sent: Vec<Vec<u64>>,
    pub switches_onto: Vec<Vec<u64>>,
}

/// Run-time state of every cellular device.
#[derive(Debug)]
pub(super) struct Cellular {
    seed: u64,
    replication: u64,
    /// Per fleet: its index in `cells`, or [`NOT_CELLULAR`].
    slot: Vec<u32>,
    cells: Vec<CellFleet>,
    devices: Vec<CellDevice>,
    /// Per carrier: the cellular fleets whose SIM lists it.
    carrier_fleets: Vec<Vec<u32>>,
    /// Per carrier: whether it works, as the world last said.
    carrier_up: Vec<bool>,
    /// Devices (world indices) that regained service in the last call.
    regained: Vec<u32>,
    down: Vec<Downtime>,
    recoveries: Vec<Vec<Ticks>>,
    switches: Vec<u64>,
    switch_failures: Vec<u64>,
    sent: Vec<Vec<u64>>,
    switches_onto: Vec<Vec<u64>>,
}

/// The `slot` of a fleet behind gateways.
const NOT_CELLULAR: u32 = u32::MAX;

/// How a device can send now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Status {
    /// Registered on a working carrier (its index).
    Service(usize),
    /// Registered on a dead carrier it has not noticed yet: what it sends is lost.
    Unnoticed,
    /// No service, and it knows it: it keeps readings or loses them.
    NoService,
}

impl Cellular {
    pub(super) fn new(dep: &Deployment, replication: u64, horizon: Ticks) -> Cellular {
        let carriers = dep.carriers.len();
        let mut slot = Vec::with_capacity(dep.fleets.len());
        let mut cells = vec![];
        let mut carrier_fleets = vec![vec![]; carriers];
        let (mut first_device, mut first_cell) = (0u32, 0u32);
        for (f, spec) in dep.fleets.iter().enumerate() {
            slot.push(NOT_CELLULAR);
            if let Some(cell) = spec.cellular.as_ref() {
                for &c in &cell.profiles {
                    carrier_fleets[c].push(f as u32);
                }
                let fleet = CellFleet {
                    spec: cell.clone(),
                    key: spec.key,
                    first_device,
                    first_cell,
                    count: spec.count,
                    site: spec.site as u32,
                    served: spec.count,
                    platform_generation: vec![0; cell.profiles.len()],
                    platform_draws: 0,
                };
                first_cell += spec.count;
                slot[f] = cells.len() as u32;
                cells.push(fleet);
            }
            first_device += spec.count;
        }
        let start = CellDevice {
            lost_at: 0,
            draws: 0,
            generation: 0,
            cur: 0,
            target: 0,
            state: State::Serving,
            dead_in_a_row: 0,
            served: true,
        };
        let n = dep.fleets.len();
        Cellular {
            seed: dep.seed,
            replication,
            slot,
            cells,
            devices: vec![start; first_cell as usize],
            carrier_fleets,
            carrier_up: vec![true; carriers],
            regained: vec![],
            down: vec![Downtime::new(horizon); n],
            recoveries: vec![vec![]; n],
            switches: vec![0; n],
            switch_failures: vec![0; n],
            sent: vec![vec![0; carriers]; n],
            switches_onto: vec![vec![0; carriers]; n],
        }
    }

    /// Device `d` of cellular fleet `f` starts on profile `m` of its SIM instead of the first:
    /// the carrier the inventory lists it on (`scenario::inventory`).
    pub(super) fn start_on_profile(&mut self, f: usize, d: u32, m: u8) {
        let fl = self.fleet(f);
        let i = (fl.first_cell + d - fl.first_device) as usize;
        self.devices[i].cur = m;
    }

    /// Whether fleet `f` attaches to carriers itself.
    #[inline(always)]
    pub(super) fn is_cellular(&self, f: usize) -> bool {
        self.slot[f] != NOT_CELLULAR
    }

    /// Cellular fleet `f` (indexing a fleet behind gateways is a bug, and panics).
    fn fleet(&self, f: usize) -> &CellFleet {
        &self.cells[self.slot[f] as usize]
    }

    fn fleet_mut(&mut self, f: usize) -> &mut CellFleet {
        &mut self.cells[self.slot[f] as usize]
    }

    /// Whether any device of cellular fleet `f` has service (the fleet is not dark).
    pub(super) fn fleet_has_service(&self, f: usize) -> bool {
        self.is_cellular(f) && self.fleet(f).served > 0
    }

    fn cell_of(&self, f: usize, d: u32) -> usize {
        let fl = self.fleet(f);
        (fl.first_cell + d - fl.first_device) as usize
    }

    /// How device `d` of cellular fleet `f` can send now.
    #[inline]
    pub(super) fn status(&self, f: usize, d: u32) -> Status {
        let i = self.cell_of(f, d);
        let dev = &self.devices[i];
        let fl = self.fleet(f);
        match dev.state {
            State::Serving | State::Detecting => {
                let c = fl.spec.profiles[dev.cur as usize];
                if self.carrier_up[c] {
                    Status::Service(c)
                } else {
                    Status::Unnoticed
                }
            }
            State::Switching | State::Waiting => Status::NoService,
        }
    }

    /// The site cellular fleet `f`'s readings count for.
    pub(super) fn site(&self, f: usize) -> usize {
        self.fleet(f).site as usize
    }

    /// A message of fleet `f` handed to carrier `c`.
    #[inline(always)]
    pub(super) fn sent(&mut self, f: usize, c: usize) {
        self.sent[f][c] += 1;
    }

    /// Devices that regained service in the last call, for the world to flush what they kept.
    pub(super) fn take_regained(&mut self) -> Vec<u32> {
        std::mem::take(&mut self.regained)
    }

    /// Hands back a buffer from [`Cellular::take_regained`] (keeps its allocation).
    pub(super) fn give_back(&mut self, mut list: Vec<u32>) {
        list.clear();
        self.regained = list;
    }

    /// Carrier `c` went down or came back now: every device with it on its SIM reacts.
    pub(super) fn carrier_changed(
        &mut self,
        sched: &mut Scheduler<Packed>,
        c: usize,
        up: bool,
    ) -> bool {
        self.carrier_up[c] = up;
        let now = sched.now();
        let mut changed = false;
        for k in 0..self.carrier_fleets[c].len() {
            let f = self.carrier_fleets[c][k] as usize;
            let fl = self.fleet(f);
            let Some(m) = fl.spec.profiles.iter().position(|&p| p == c) else {
                continue;
            };
            let m = m as u8;
            let (first, count) = (fl.first_cell as usize, fl.count as usize);
            for i in first..first + count {
                self.device_member_changed(sched, f, i, m, up);
                changed |= self.settle(now, f, i);
            }
            self.platform_carrier_changed(sched, f, m, up);
        }
        changed
    }

    /// The eSIM machine's reaction to member `m` of device `i`'s SIM changing state (as
    /// `failover::Esim::member_changed`).
    fn device_member_changed(
        &mut self,
        sched: &mut Scheduler<Packed>,
        f: usize,
        i: usize,
        m: u8,
        up: bool,
    ) {
        let dev = self.devices[i];
        let back = self.spec(f).switch_back;
        let platform = self.spec(f).platform.is_some();
        match (dev.state, up) {
            (State::Serving, false) if m == dev.cur => self.begin_detect(sched, f, i),
            (State::Detecting, true) if m == dev.cur => {
                let dev = &mut self.devices[i];
                dev.generation = dev.generation.wrapping_add(1);
                dev.state = State::Serving;
            }
            (State::Serving, true)
                if m == 0 && dev.cur != 0 && back == SwitchBackSpec::Immediate && !platform =>
            {
                self.begin_switch(sched, f, i, 0, false);
            }
            // Service is back on a network of its SIM: register there (the attach storm).
            (State::Waiting, true) => self.begin_switch(sched, f, i, m, true),
            _ => {}
        }
    }

    /// Device timer `token` of world device `d` fires.
    pub(super) fn timer(&mut self, sched: &mut Scheduler<Packed>, f: usize, d: u32, token: u32) {
        let i = self.cell_of(f, d);
        let dev = self.devices[i];
        if token >> 2 != dev.generation as u32 {
            return;
        }
        let n = self.spec(f).profiles.len() as u8;
        match (dev.state, token & 3) {
            (State::Detecting, DETECTED) => {
                let dev = &mut self.devices[i];
                dev.dead_in_a_row += 1;
                if dev.dead_in_a_row >= n {
                    dev.generation = dev.generation.wrapping_add(1);
                    dev.state = State::Waiting;
                    // A carrier that came back while it was looking elsewhere: register there.
                    let profiles = &self.spec(f).profiles;
                    if let Some(m) = profiles.iter().position(|&c| self.carrier_up[c]) {
                        self.begin_switch(sched, f, i, m as u8, true);
                    }
                } else {
                    let to = (dev.cur + 1) % n;
                    self.begin_switch(sched, f, i, to, false);
                }
            }
            (State::Switching, SWITCHED) => {
                let to = dev.target;
                let p = self.spec(f).switch_failure;
                if p > 0.0 && rand::RngExt::random_bool(&mut self.stream(f, i), p) {
                    self.switch_failures[f] += 1;
                    return self.begin_switch(sched, f, i, (to + 1) % n, false);
                }
                let carrier = self.spec(f).profiles[to as usize];
                if to != dev.cur {
                    self.switches[f] += 1;
                    self.switches_onto[f][carrier] += 1;
                }
                let dev = &mut self.devices[i];
                dev.cur = to;
                dev.state = State::Serving;
                if !self.carrier_up[carrier] {
                    self.begin_detect(sched, f, i);
                } else {
                    self.devices[i].dead_in_a_row = 0;
                    let platform = self.spec(f).platform.is_some();
                    match self.spec(f).switch_back {
                        _ if to == 0 || platform => {}
                        // The primary came back while the switch was under way.
                        SwitchBackSpec::Immediate if self.primary_up(f) => {
                            self.begin_switch(sched, f, i, 0, false)
                        }
                        SwitchBackSpec::HoldDown(hold) => {
                            let dev = &self.devices[i];
                            let token = (dev.generation as u32) << 2 | HOLD_DONE;
                            let at = sched.now().saturating_add(hold);
                            sched.schedule_at(at, Event::Cell { device: d, token }.into());
                        }
                        _ => {}
                    }
                }
            }
            (State::Serving, HOLD_DONE) if dev.cur != 0 => self.begin_switch(sched, f, i, 0, false),
            _ => {}
        }
        self.settle(sched.now(), f, i);
    }

    /// Platform timer `token` of fleet `f` fires: an outage it has now noticed, or a primary
    /// that has stayed up long enough to move devices back.
    pub(super) fn platform_timer(&mut self, sched: &mut Scheduler<Packed>, f: usize, token: u32) {
        let m = (token >> 1) as u8;
        let fl = self.fleet(f);
        let (first, count) = (fl.first_cell as usize, fl.count as usize);
        let profiles = fl.spec.profiles.clone();
        let c = profiles[m as usize];
        let now = sched.now();
        match token & 1 {
            PLATFORM_DETECTED if !self.carrier_up[c] => {
                // The platform knows which carriers work: it sends each device still on the
                // dead one to the first carrier of its SIM that works, if any.
                let Some(to) = profiles.iter().position(|&p| self.carrier_up[p]) else {
                    return;
                };
                for i in first..first + count {
                    let dev = self.devices[i];
                    if dev.cur == m && matches!(dev.state, State::Serving | State::Detecting) {
                        self.begin_switch(sched, f, i, to as u8, false);
                        self.settle(now, f, i);
                    }
                }
            }
            PLATFORM_BACK if self.carrier_up[c] => {
                for i in first..first + count {
                    let dev = self.devices[i];
                    if dev.cur != 0 && dev.state == State::Serving {
                        self.begin_switch(sched, f, i, 0, false);
                        self.settle(now, f, i);
                    }
                }
            }
            _ => {}
        }
    }

    /// A platform-steered fleet hears of carrier (profile `m`) changing: it notices an outage
    /// after its detection draw; it moves devices back to the primary once the primary has
    /// been up for the hold-down time.
    fn platform_carrier_changed(
        &mut self,
        sched: &mut Scheduler<Packed>,
        f: usize,
        m: u8,
        up: bool,
    ) {
        let seed = self.seed;
        let replication = self.replication;
        let fl = self.fleet_mut(f);
        let Some(detection) = &fl.spec.platform else {
            return;
        };
        fl.platform_generation[m as usize] = fl.platform_generation[m as usize].wrapping_add(1);
        let now = sched.now();
        let index = fl.first_device;
        let at = if !up {
            fl.platform_draws += 1;
            let mut rng = StreamKey {
                seed,
                replication,
                entity: fl.key,
                process: CELLULAR | fl.platform_draws << 32,
            }
            .stream();
            now.saturating_add(detection.sample(&mut rng))
        } else if m == 0 {
            match fl.spec.switch_back {
                SwitchBackSpec::Immediate => now,
                SwitchBackSpec::HoldDown(hold) => now.saturating_add(hold),
                SwitchBackSpec::Never => return,
            }
        } else {
            return;
        };
        let kind = if up { PLATFORM_BACK } else { PLATFORM_DETECTED };
        let token = (m as u32) << 1 | kind;
        // The fleet is named by its first device's index (events carry 27-bit indices).
        sched.schedule_at(
            at,
            Event::Platform {
                device: index,
                token,
            }
            .into(),
        );
    }

    /// The fleet whose first device is world device `d`, for a platform timer.
    pub(super) fn fleet_starting_at(&self, d: u32) -> Option<usize> {
        (0..self.slot.len()).find(|&f| self.is_cellular(f) && self.fleet(f).first_device == d)
    }

    fn spec(&self, f: usize) -> &CellularSpec {
        &self.fleet(f).spec
    }

    fn primary_up(&self, f: usize) -> bool {
        self.carrier_up[self.spec(f).profiles[0]]
    }

    /// Device `i`'s next draw: a stream keyed by the device and its draw count.
    fn stream(&mut self, f: usize, i: usize) -> Stream {
        let (key, first_cell) = (self.fleet(f).key, self.fleet(f).first_cell as usize);
        let dev = &mut self.devices[i];
        dev.draws += 1;
        StreamKey {
            seed: self.seed,
            replication: self.replication,
            entity: member_key(key, (i - first_cell) as u64),
            process: CELLULAR | (dev.draws as u64) << 32,
        }
        .stream()
    }

    fn world_device(&self, f: usize, i: usize) -> u32 {
        let fl = self.fleet(f);
        fl.first_device + (i as u32 - fl.first_cell)
    }

    fn sample(&mut self, f: usize, i: usize, law: fn(&CellularSpec) -> &DurationDist) -> Ticks {
        let mut rng = self.stream(f, i);
        law(self.spec(f)).sample(&mut rng)
    }

    /// Device `i`'s carrier failed; it notices after its detection draw.
    fn begin_detect(&mut self, sched: &mut Scheduler<Packed>, f: usize, i: usize) {
        let delay = self.sample(f, i, |s| &s.detection);
        let d = self.world_device(f, i);
        let dev = &mut self.devices[i];
        dev.generation = dev.generation.wrapping_add(1);
        dev.state = State::Detecting;
        let token = (dev.generation as u32) << 2 | DETECTED;
        let at = sched.now().saturating_add(delay);
        sched.schedule_at(at, Event::Cell { device: d, token }.into());
    }

    /// Device `i` moves to profile `to`: no service for a switch-time draw (an attach draw
    /// when it registers again after finding no network).
    fn begin_switch(
        &mut self,
        sched: &mut Scheduler<Packed>,
        f: usize,
        i: usize,
        to: u8,
        attach: bool,
    ) {
        let delay = if attach {
            self.sample(f, i, |s| &s.attach)
        } else {
            self.sample(f, i, |s| &s.switch_time)
        };
        let d = self.world_device(f, i);
        let dev = &mut self.devices[i];
        dev.generation = dev.generation.wrapping_add(1);
        dev.state = State::Switching;
        dev.target = to;
        let token = (dev.generation as u32) << 2 | SWITCHED;
        let at = sched.now().saturating_add(delay);
        sched.schedule_at(at, Event::Cell { device: d, token }.into());
    }

    /// Brings device `i`'s service accounts up to date; returns whether it changed.
    fn settle(&mut self, now: Ticks, f: usize, i: usize) -> bool {
        let dev = self.devices[i];
        let fl = self.fleet(f);
        let has =
            dev.state == State::Serving && self.carrier_up[fl.spec.profiles[dev.cur as usize]];
        if has == dev.served {
            return false;
        }
        let d = self.world_device(f, i);
        let slot = self.slot[f] as usize;
        let fl = &mut self.cells[slot];
        let dev = &mut self.devices[i];
        dev.served = has;
        if has {
            fl.served += 1;
            self.down[f].came_up(now);
            if now > dev.lost_at {
                self.recoveries[f].push(now - dev.lost_at);
            }
            self.regained.push(d);
        } else {
            fl.served -= 1;
            self.down[f].went_down(now);
            dev.lost_at = now;
        }
        true
    }

    /// What the replication measured, closed at the horizon.
    pub(super) fn finish(self) -> CellularStats {
        let counts: Vec<u64> = (0..self.slot.len())
            .map(|f| {
                if self.is_cellular(f) {
                    self.fleet(f).count as u64
                } else {
                    0
                }
            })
            .collect();
        CellularStats {
            service_availability: self
                .down
                .iter()
                .zip(&counts)
                .map(|(d, &n)| d.availability(n))
                .collect(),
            recoveries: self.recoveries,
            switches: self.switches,
            switch_failures: self.switch_failures,
            sent: self.sent,
            switches_onto: self.switches_onto,
        }
    }
}

/// The world's hooks for cellular fleets: the message path of a device on its own SIM, and
/// what follows a change of its service.
impl<O: Observer> World<O> {
    /// Carrier `c` went down or came back (the network tells the world as its `Host`): its
    /// cellular devices react.
    pub(super) fn cellular_carrier_changed(
        &mut self,
        sched: &mut Scheduler<Packed>,
        net: &mut Network,
        c: usize,
        up: bool,
    ) {
        if self.cellular.carrier_changed(sched, c, up) {
            self.cellular_after(net, sched.now());
        }
    }

    /// A device's own timer (detection, switch, hold-down).
    pub(super) fn cellular_timer(&mut self, sched: &mut Scheduler<Packed>, d: u32, token: u32) {
        let f = self.devices[d as usize].fleet as usize;
        self.cellular.timer(sched, f, d, token);
        self.with_network(|net, w| w.cellular_after(net, sched.now()));
    }

    /// A connectivity platform's timer for the fleet whose first device is `d`.
    pub(super) fn cellular_platform(&mut self, sched: &mut Scheduler<Packed>, d: u32, token: u32) {
        let Some(f) = self.cellular.fleet_starting_at(d) else {
            return;
        };
        self.cellular.platform_timer(sched, f, token);
        self.with_network(|net, w| w.cellular_after(net, sched.now()));
    }

    /// Devices that regained service send what they kept; fleets' paths (for their sites'
    /// availability) follow: a fleet is dark while none of its devices has service.
    fn cellular_after(&mut self, net: &mut Network, now: Ticks) {
        let regained = self.cellular.take_regained();
        self.reporting
            .cellular_regained(&mut report_cx!(self), now, &regained);
        self.cellular.give_back(regained);
        for f in 0..self.fleets.len() {
            if self.cellular.is_cellular(f) {
                let up = self.cellular.fleet_has_service(f);
                net.direct_service(self, now, f, up);
            }
        }
    }
}
