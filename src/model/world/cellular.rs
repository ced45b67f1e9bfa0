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

use rand::RngExt;

use crate::engine::random::member_key;
use crate::engine::{DurationDist, Scheduler, Stream, StreamKey, Ticks};
use crate::scenario::{CellularSpec, Deployment, Placement, SwitchBackSpec};

use super::super::event::{Event, Packed};
use super::super::ledger::Downtime;
use super::super::trace::Observer;
use super::flow::FlowCx;
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
/// A mobile device's dwell in its region ends. Not generation-checked: a device has one move
/// pending at a time, whatever its failover does.
const MOVED: u32 = 3;

// Platform timer kinds, in the low bit of its token; the carrier index is above it.
const PLATFORM_DETECTED: u32 = 0;
const PLATFORM_BACK: u32 = 1;

/// One device's connectivity and place: 24 bytes.
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
    /// The region it is in (a deployment region index; 0 for a fleet without regions).
    region: u8,
    /// Profiles whose network serves the place it is at (bit `m`), outages aside.
    covered: u8,
    /// The carrier whose attach channel it holds while registering, plus one (0: none).
    channel: u16,
}

const _: () = assert!(std::mem::size_of::<CellDevice>() == 24);

/// Memory a device on its own SIM adds to a replication: its state.
pub const DEVICE_BYTES: u64 = std::mem::size_of::<CellDevice>() as u64;

/// Memory a moving device adds besides: its pending move in the event queue (an 8-byte event
/// and its 8-byte time).
pub const MOVING_DEVICE_BYTES: u64 = 16;

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
    /// `networks[m][r]`: the carrier profile `m` uses in region `r` (one region, the SIM's own
    /// carriers, for a fleet without regions).
    networks: Vec<Vec<Option<u32>>>,
    /// `coverage[m][r]`: the share of region `r`'s places that network serves.
    coverage: Vec<Vec<f64>>,
    /// Where its devices are: `None` for a fleet without regions (served everywhere).
    placement: Option<Placement>,
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
    /// Per fleet: registrations turned away by a network with every attach channel busy.
    pub attach_failures: Vec<u64>,
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
    /// Per carrier: the cellular fleets whose SIM uses it somewhere.
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
    /// Per carrier: registrations it takes at once (`u32::MAX`: unlimited), and those under way.
    channels: Vec<u32>,
    busy: Vec<u32>,
    /// Per fleet: registrations turned away because every channel was busy.
    attach_failures: Vec<u64>,
    /// Flow mode only: devices (world indices) whose service may have changed since flow mode
    /// last looked (it moves them between cohorts).
    touched: Option<Vec<u32>>,
}

/// The index whose cumulative weight first exceeds `at` (in [0, 1)); the last with weight if
/// rounding leaves `at` beyond the total.
fn pick(weights: &[f64], at: f64) -> usize {
    let mut sum = 0.0;
    for (k, &w) in weights.iter().enumerate() {
        sum += w;
        if at < sum {
            return k;
        }
    }
    weights.iter().rposition(|&w| w > 0.0).unwrap_or(0)
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
    /// At a place no network of its SIM serves (or the one it is on does not): it keeps
    /// readings or loses them.
    NoCoverage,
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
                type Networks = Vec<Vec<Option<u32>>>;
                let (networks, coverage, placement): (Networks, _, _) = match &cell.regional {
                    Some(r) => (
                        r.networks
                            .iter()
                            .map(|row| row.iter().map(|c| c.map(|c| c as u32)).collect())
                            .collect(),
                        r.coverage.clone(),
                        Some(r.placement.clone()),
                    ),
                    None => (
                        cell.profiles
                            .iter()
                            .map(|&c| vec![Some(c as u32)])
                            .collect(),
                        vec![vec![1.0]; cell.profiles.len()],
                        None,
                    ),
                };
                let mut used: Vec<u32> = networks.iter().flatten().flatten().copied().collect();
                used.sort_unstable();
                used.dedup();
                for &c in &used {
                    carrier_fleets[c as usize].push(f as u32);
                }
                let fleet = CellFleet {
                    spec: cell.clone(),
                    key: spec.key,
                    first_device,
                    first_cell,
                    count: spec.count,
                    site: spec.site as u32,
                    served: spec.count,
                    platform_generation: vec![0; carriers],
                    platform_draws: 0,
                    networks,
                    coverage,
                    placement,
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
            region: 0,
            covered: u8::MAX,
            channel: 0,
        };
        // Channel holders are named in 16 bits: beyond that many carriers, none is limited.
        let few = carriers < u16::MAX as usize;
        let channels = dep
            .carriers
            .iter()
            .map(|c| c.attach_channels.filter(|_| few).unwrap_or(u32::MAX))
            .collect();
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
            down: vec![Downtime::measured(dep.warmup, horizon); n],
            recoveries: vec![vec![]; n],
            switches: vec![0; n],
            switch_failures: vec![0; n],
            sent: vec![vec![0; carriers]; n],
            switches_onto: vec![vec![0; carriers]; n],
            channels,
            busy: vec![0; carriers],
            attach_failures: vec![0; n],
            touched: None,
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
        match dev.state {
            State::Serving | State::Detecting => match self.network(f, i, dev.cur) {
                Some(c) if self.carrier_up[c] => Status::Service(c),
                Some(_) => Status::Unnoticed,
                None => Status::NoCoverage,
            },
            State::Switching => Status::NoService,
            State::Waiting => {
                let n = self.spec(f).profiles.len() as u8;
                if (0..n).any(|m| self.network(f, i, m).is_some()) {
                    Status::NoService
                } else {
                    Status::NoCoverage
                }
            }
        }
    }

    /// The carrier profile `m` of device `i` registers with where the device is, if one
    /// serves the place (whether it works or not).
    #[inline]
    fn network(&self, f: usize, i: usize, m: u8) -> Option<usize> {
        let dev = &self.devices[i];
        if dev.covered & (1 << m) == 0 {
            return None;
        }
        self.fleet(f).networks[m as usize][dev.region as usize].map(|c| c as usize)
    }

    /// The carrier profile `m` gives device `i` service on now, if any.
    #[inline]
    fn works(&self, f: usize, i: usize, m: u8) -> Option<usize> {
        self.network(f, i, m).filter(|&c| self.carrier_up[c])
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

    /// `k` messages of fleet `f` handed to carrier `c` (flow mode, a cohort at once).
    pub(super) fn add_sent(&mut self, f: usize, c: usize, k: u64) {
        self.sent[f][c] += k;
    }

    /// From now on, remembers every device whose service may change (flow mode's cohorts).
    pub(super) fn watch(&mut self) {
        self.touched = Some(vec![]);
    }

    /// The devices whose service may have changed since the last call (world indices, maybe
    /// repeated).
    pub(super) fn take_touched(&mut self) -> Vec<u32> {
        self.touched
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Hands back a buffer from [`Cellular::take_touched`] (keeps its allocation).
    pub(super) fn give_back_touched(&mut self, mut list: Vec<u32>) {
        if let Some(t) = self.touched.as_mut() {
            list.clear();
            *t = list;
        }
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
            let (first, count) = (fl.first_cell as usize, fl.count as usize);
            let n = fl.spec.profiles.len() as u8;
            for i in first..first + count {
                // The profiles whose network here is `c` (a place it does not serve changes
                // nothing for the device).
                for m in 0..n {
                    if self.network(f, i, m) == Some(c) {
                        self.device_member_changed(sched, f, i, m, up);
                    }
                }
                changed |= self.settle(now, f, i);
            }
            self.platform_carrier_changed(sched, f, c, up);
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
        let n = self.spec(f).profiles.len() as u8;
        if token & 3 == MOVED {
            self.moved(sched, f, i);
            self.settle(sched.now(), f, i);
            return;
        }
        if token >> 2 != dev.generation as u32 {
            return;
        }
        match (dev.state, token & 3) {
            (State::Detecting, DETECTED) => {
                let dev = &mut self.devices[i];
                dev.dead_in_a_row += 1;
                if dev.dead_in_a_row >= n {
                    dev.generation = dev.generation.wrapping_add(1);
                    dev.state = State::Waiting;
                    // A carrier that came back while it was looking elsewhere: register there.
                    if let Some(m) = (0..n).find(|&m| self.works(f, i, m).is_some()) {
                        self.begin_switch(sched, f, i, m, true);
                    }
                } else {
                    let to = (dev.cur + 1) % n;
                    self.begin_switch(sched, f, i, to, false);
                }
            }
            (State::Switching, SWITCHED) => {
                let to = dev.target;
                if dev.channel != 0 {
                    self.busy[dev.channel as usize - 1] -= 1;
                    self.devices[i].channel = 0;
                } else if self.limited(f, i, to).is_some() {
                    // It was turned away (every channel busy): it tries again.
                    return self.begin_switch(sched, f, i, to, true);
                }
                let p = self.spec(f).switch_failure;
                if p > 0.0 && rand::RngExt::random_bool(&mut self.stream(f, i), p) {
                    self.switch_failures[f] += 1;
                    return self.begin_switch(sched, f, i, (to + 1) % n, false);
                }
                let network = self.network(f, i, to);
                let carrier = network.unwrap_or(self.spec(f).profiles[to as usize]);
                if to != dev.cur {
                    self.switches[f] += 1;
                    self.switches_onto[f][carrier] += 1;
                }
                let dev = &mut self.devices[i];
                dev.cur = to;
                dev.state = State::Serving;
                if network.is_none_or(|c| !self.carrier_up[c]) {
                    self.begin_detect(sched, f, i);
                } else {
                    self.devices[i].dead_in_a_row = 0;
                    let platform = self.spec(f).platform.is_some();
                    match self.spec(f).switch_back {
                        _ if to == 0 || platform => {}
                        // The primary came back while the switch was under way.
                        SwitchBackSpec::Immediate if self.works(f, i, 0).is_some() => {
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
        let c = (token >> 1) as usize;
        let fl = self.fleet(f);
        let (first, count) = (fl.first_cell as usize, fl.count as usize);
        let n = fl.spec.profiles.len() as u8;
        let now = sched.now();
        match token & 1 {
            PLATFORM_DETECTED if !self.carrier_up[c] => {
                // The platform knows which carriers work: it sends each device still on the
                // dead one to the first carrier of its SIM that works where it is, if any.
                for i in first..first + count {
                    let dev = self.devices[i];
                    if self.network(f, i, dev.cur) == Some(c)
                        && matches!(dev.state, State::Serving | State::Detecting)
                        && let Some(to) = (0..n).find(|&m| self.works(f, i, m).is_some())
                    {
                        self.begin_switch(sched, f, i, to, false);
                        self.settle(now, f, i);
                    }
                }
            }
            PLATFORM_BACK if self.carrier_up[c] => {
                for i in first..first + count {
                    let dev = self.devices[i];
                    if dev.cur != 0
                        && dev.state == State::Serving
                        && self.network(f, i, 0) == Some(c)
                    {
                        self.begin_switch(sched, f, i, 0, false);
                        self.settle(now, f, i);
                    }
                }
            }
            _ => {}
        }
    }

    /// A platform-steered fleet hears of carrier `c` changing: it notices an outage after its
    /// detection draw; it moves devices back to a primary network once that has been up for
    /// the hold-down time.
    fn platform_carrier_changed(
        &mut self,
        sched: &mut Scheduler<Packed>,
        f: usize,
        c: usize,
        up: bool,
    ) {
        let seed = self.seed;
        let replication = self.replication;
        let fl = self.fleet_mut(f);
        let Some(detection) = &fl.spec.platform else {
            return;
        };
        fl.platform_generation[c] = fl.platform_generation[c].wrapping_add(1);
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
        } else if fl.networks[0].contains(&Some(c as u32)) {
            match fl.spec.switch_back {
                SwitchBackSpec::Immediate => now,
                SwitchBackSpec::HoldDown(hold) => now.saturating_add(hold),
                SwitchBackSpec::Never => return,
            }
        } else {
            return;
        };
        let kind = if up { PLATFORM_BACK } else { PLATFORM_DETECTED };
        let token = (c as u32) << 1 | kind;
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
        let limited = self.limited(f, i, to);
        let delay = match limited {
            // Every channel busy: turned away, it tries again after its back-off.
            Some(c) if self.busy[c] >= self.channels[c] => {
                self.attach_failures[f] += 1;
                self.sample(f, i, |s| &s.attach_backoff)
            }
            _ => {
                let delay = if attach {
                    self.sample(f, i, |s| &s.attach)
                } else {
                    self.sample(f, i, |s| &s.switch_time)
                };
                if let Some(c) = limited {
                    self.busy[c] += 1;
                    self.devices[i].channel = c as u16 + 1;
                }
                delay
            }
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

    /// The network profile `to` registers device `i` with, if it has a limited number of
    /// attach channels.
    fn limited(&self, f: usize, i: usize, to: u8) -> Option<usize> {
        self.network(f, i, to)
            .filter(|&c| self.channels[c] != u32::MAX)
    }

    /// Places every device of the fleets with regions at the start: a fleet with shares puts
    /// device k of n in the region whose cumulative share first exceeds (k + ½)/n; a moving
    /// fleet draws each device's region from the chain's long-run shares of time. A device
    /// placed where its carrier does not serve it starts out of service (it notices as it
    /// would an outage). Returns whether any device's service changed.
    pub(super) fn start(&mut self, sched: &mut Scheduler<Packed>) -> bool {
        let mut changed = false;
        for f in 0..self.slot.len() {
            if !self.is_cellular(f) {
                continue;
            }
            let fl = self.fleet(f);
            let Some(placement) = fl.placement.clone() else {
                continue;
            };
            let (first, count) = (fl.first_cell as usize, fl.count as usize);
            for i in first..first + count {
                let mut rng = self.stream(f, i);
                let region = match &placement {
                    Placement::Shares(shares) => {
                        let at = ((i - first) as f64 + 0.5) / count as f64;
                        pick(shares, at)
                    }
                    Placement::Markov { start, .. } => pick(start, rng.random::<f64>()),
                };
                self.arrive(sched, f, i, region, &mut rng);
                let n = self.spec(f).profiles.len() as u8;
                for m in 0..n {
                    if self.works(f, i, m).is_none() {
                        self.device_member_changed(sched, f, i, m, false);
                    }
                }
                changed |= self.settle(sched.now(), f, i);
            }
        }
        changed
    }

    /// Device `i` lands at a new place in `region`: which of its profiles' networks serve the
    /// place (each independently, with its coverage share there), and when a moving device
    /// leaves again.
    fn arrive(
        &mut self,
        sched: &mut Scheduler<Packed>,
        f: usize,
        i: usize,
        region: usize,
        rng: &mut Stream,
    ) {
        let fl = self.fleet(f);
        let mut covered = 0u8;
        for (m, row) in fl.coverage.iter().enumerate() {
            let share = row[region];
            if share >= 1.0 || (share > 0.0 && rng.random::<f64>() < share) {
                covered |= 1 << m;
            }
        }
        let leave = match &fl.placement {
            Some(Placement::Markov { dwell, .. }) => Some(dwell[region].sample(rng)),
            _ => None,
        };
        let d = self.world_device(f, i);
        let dev = &mut self.devices[i];
        dev.region = region as u8;
        dev.covered = covered;
        if let Some(dwell) = leave {
            let at = sched.now().saturating_add(dwell);
            sched.schedule_at(
                at,
                Event::Cell {
                    device: d,
                    token: MOVED,
                }
                .into(),
            );
        }
    }

    /// Moving device `i`'s dwell ended: it goes to the next region drawn from its region's
    /// row and lands at a new place; each profile whose service there differs from before
    /// changes for it as a carrier going down or coming back would (so a multi-profile device
    /// notices it lost coverage and switches to a network that covers the place).
    fn moved(&mut self, sched: &mut Scheduler<Packed>, f: usize, i: usize) {
        let n = self.spec(f).profiles.len() as u8;
        let before: Vec<bool> = (0..n).map(|m| self.works(f, i, m).is_some()).collect();
        let from = self.devices[i].region as usize;
        let mut rng = self.stream(f, i);
        let Some(Placement::Markov { next, .. }) = &self.fleet(f).placement else {
            return;
        };
        let to = pick(&next[from], rng.random::<f64>());
        self.arrive(sched, f, i, to, &mut rng);
        for (m, was) in before.into_iter().enumerate() {
            let is = self.works(f, i, m as u8).is_some();
            if is != was {
                self.device_member_changed(sched, f, i, m as u8, is);
            }
        }
    }

    /// Brings device `i`'s service accounts up to date; returns whether it changed.
    fn settle(&mut self, now: Ticks, f: usize, i: usize) -> bool {
        if self.touched.is_some() {
            let d = self.world_device(f, i);
            if let Some(t) = self.touched.as_mut() {
                t.push(d);
            }
        }
        let dev = self.devices[i];
        let has = dev.state == State::Serving && self.works(f, i, dev.cur).is_some();
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
            attach_failures: self.attach_failures,
        }
    }
}

impl Cellular {
    /// The warm-up ends: recoveries, switches, messages per carrier and turned-away
    /// registrations count from now on (service downtime was built measuring from now). The
    /// devices' state goes on.
    pub(super) fn warm_up(&mut self) {
        self.recoveries.iter_mut().for_each(Vec::clear);
        self.switches.fill(0);
        self.switch_failures.fill(0);
        self.sent.iter_mut().for_each(|s| s.fill(0));
        self.switches_onto.iter_mut().for_each(|s| s.fill(0));
        self.attach_failures.fill(0);
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

    /// Places the devices of fleets with regions, at the start of the run.
    pub(super) fn cellular_start(&mut self, sched: &mut Scheduler<Packed>) {
        if self.cellular.start(sched) {
            self.with_network(|net, w| w.cellular_after(net, sched.now()));
        }
        if let Some(flow) = self.flow.as_deref_mut() {
            // Flow mode settles readings by cohort: it starts from where each device is.
            flow.cellular_begin(&mut flow_cx!(self));
        }
    }

    /// Devices that regained service send what they kept; fleets' paths (for their sites'
    /// availability) follow: a fleet is dark while none of its devices has service.
    fn cellular_after(&mut self, net: &mut Network, now: Ticks) {
        let regained = self.cellular.take_regained();
        // (Flow mode sends what devices kept as they change cohort.)
        if self.flow.is_none() {
            self.reporting
                .cellular_regained(&mut report_cx!(self), now, &regained);
        }
        self.cellular.give_back(regained);
        for f in 0..self.fleets.len() {
            if self.cellular.is_cellular(f) {
                let up = self.cellular.fleet_has_service(f);
                net.direct_service(self, now, f, up);
            }
        }
    }
}
