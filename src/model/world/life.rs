//! The lifecycle part: devices' failures and repairs, lifecycle clocks (batteries, planned
//! replacement), sensor degradation and inspections, and the `stop_when_dead` watch.
//!
//! It owns the clocks, the dead-device watch and the instant a fleet reached its end of life.
//! What it changes outside itself is explicit in [`LifeCx`]: a device's up, failed and
//! degraded flags and its count of lifecycle draws (the device's entry is shared with the
//! message path, which only reads them: 16 bytes a device), the accounts, the observer, and
//! the crews (a failed unit at a crew's site raises a job instead of scheduling its repair).
//! Every draw comes from the device's own lifecycle stream, keyed by its draw count.

use rand::RngExt;

use crate::engine::random::KeyPrefix;
use crate::engine::random::member_key;
use crate::engine::{Agenda, Stream, Ticks};
use crate::scenario::Deployment;

use super::super::event::{Event, Packed};
use super::super::lifecycle::{self, Clocks};
use super::super::stop::DeadWatch;
use super::super::trace::{Observer, Trace};
use super::accounts::Accounts;
use super::crews::{Crews, Work};
use super::inventory::{battery_left, upkeep_step};
use super::{Device, FleetRt, process, slice_of};
use crate::scenario::inventory::{StartDown, StartState};

mod ahead;
mod spares;

/// The lifecycle part's state in one replication.
pub(super) struct Life {
    /// Every lifecycle stream's key folded as far as the seed and replication.
    keys: KeyPrefix,
    /// Per device of a fleet with clocks (batteries, planned replacement or degradation) that
    /// lives event by event: the clocks every such fleet uses (failure, degradation onset, the
    /// pending change). Devices that live ahead (`ahead.rs`) live one at a time and share one
    /// entry, the last.
    clocks: Vec<UnitClocks>,
    /// Every device keeps clocks, so device `d`'s are `clocks[d]` (fleets take their clocks in
    /// device order): the run loop can then prefetch them without first reading the device's
    /// entry, which is itself still on its way (`World::upcoming`).
    clocks_by_device: bool,
    /// Per device of a fleet with batteries or planned replacement only: those clocks. Kept
    /// apart so a fleet that only degrades (a national meter fleet) pays 32 bytes a device,
    /// not 56, and an event reads one 32-byte entry. The last entry is shared as above.
    power: Vec<PowerClocks>,
    /// Dead devices per fleet, when a fleet sets `stop_when_dead`, and the first instant one
    /// reached its share.
    dead_watch: Option<DeadWatch>,
    end_of_life: Option<Ticks>,
    /// The units of each device of a fleet with standby spares (`life/spares.rs`).
    spares: spares::Spares,
    /// The events the lives lived ahead handled (`life/ahead.rs`): failures, repairs and
    /// degradation onsets, stale ones included, before the end; the fleets' inspections are
    /// the run's own events and not among them.
    lived_events: u64,
}

/// What a lifecycle change touches outside the part.
pub(super) struct LifeCx<'a, O> {
    pub(super) devices: &'a mut [Device],
    pub(super) fleets: &'a [FleetRt],
    pub(super) acc: &'a mut Accounts,
    pub(super) observer: &'a mut O,
    pub(super) crews: &'a mut Crews,
}

impl<O> LifeCx<'_, O> {
    /// Counts a random failure of device `d` now: in the totals, its fleet's, and the survival
    /// curve's first failures if it had not failed before.
    fn count_failure(&mut self, d: u32, now: Ticks) {
        let device = &mut self.devices[d as usize];
        if !device.failed {
            device.failed = true;
            self.acc.first_failures[slice_of(now, self.acc.span)] += 1;
        }
        self.acc.device_failures += 1;
        self.acc.fleet_failures[device.fleet as usize] += 1;
    }
}

impl Life {
    /// The lifecycle of replication `replication` (its clocks are kept once the fleets that
    /// live ahead are known: [`Life::keep_clocks`]).
    pub(super) fn new(dep: &Deployment, replication: u64) -> Life {
        Life {
            keys: KeyPrefix::new(dep.seed, replication),
            clocks: Vec::new(),
            clocks_by_device: false,
            power: Vec::new(),
            dead_watch: DeadWatch::new(dep),
            end_of_life: None,
            spares: spares::Spares::default(),
            lived_events: 0,
        }
    }

    /// Keeps clocks for every device of a fleet with clocks that lives event by event (each
    /// fleet told where its own start), and one entry for the devices that live ahead, which
    /// live one at a time.
    pub(super) fn keep_clocks(&mut self, fleets: &mut [FleetRt]) {
        let (mut all, mut powered) = (0u32, 0u32);
        let (mut shared, mut shared_power) = (false, false);
        for f in fleets.iter_mut() {
            let power = has_power_clocks(f);
            if f.lived_ahead {
                shared |= f.life.has_clocks();
                shared_power |= power;
                continue;
            }
            if f.life.has_clocks() {
                f.first_clock = all;
                all += f.count;
            }
            if power {
                f.first_power = powered;
                powered += f.count;
            }
        }
        let devices: u64 = fleets.iter().map(|f| u64::from(f.count)).sum();
        self.clocks_by_device = u64::from(all) == devices;
        let unit = UnitClocks::from(Clocks::default());
        self.clocks = vec![unit; all as usize + usize::from(shared)];
        let power = PowerClocks::from(Clocks::default());
        self.power = vec![power; powered as usize + usize::from(shared_power)];
    }

    /// Device `d`'s unit clocks when they can be found from `d` alone (every device keeps
    /// clocks): for prefetching only, a hint that changes nothing.
    #[inline(always)]
    pub(super) fn clocks_of_device(&self, d: u32) -> Option<&impl Sized> {
        if self.clocks_by_device {
            self.clocks.get(d as usize)
        } else {
            None
        }
    }

    /// The events the run's scheduler would have handled of the lives lived ahead.
    pub(super) fn lived_events(&self) -> u64 {
        self.lived_events
    }

    /// The first instant a fleet reached its `stop_when_dead` share of dead devices, if one has.
    pub(super) fn end_of_life(&self) -> Option<Ticks> {
        self.end_of_life
    }

    /// Starts device `d`'s lifecycle at time 0: its clocks (battery, planned replacement,
    /// failure, degradation) or its first failure, from a draw of its age.
    /// A device the inventory lists (`listed`) starts from its state instead
    /// (`world/inventory.rs`).
    pub(super) fn start_device<O: Observer>(
        &mut self,
        sched: &mut impl Agenda<Packed>,
        cx: &mut LifeCx<'_, O>,
        d: u32,
        listed: Option<&StartState>,
    ) {
        if let Some(state) = listed {
            return self.start_listed(sched, cx, d, state);
        }
        let fleets = cx.fleets;
        let f = &fleets[cx.devices[d as usize].fleet as usize];
        if f.life.has_clocks() {
            let mut stream = self.life_stream(cx, d);
            let age = f.life.age.as_ref().map_or(0, |a| a.sample(&mut stream));
            let at = self.clock_of(cx, d);
            self.put(
                at,
                Clocks::start(&f.life, f.failure.as_ref(), 0, age, &mut stream),
            );
            self.schedule_next_change(sched, cx, d);
            self.schedule_degradation(sched, cx, d);
        } else if f.life.standby.is_some() {
            let mut stream = self.life_stream(cx, d);
            let age = f.life.age.as_ref().map_or(0, |a| a.sample(&mut stream));
            self.standby_start(sched, cx, d, age, None, &mut stream);
        } else if let Some(failure) = &f.failure {
            let mut stream = self.life_stream(cx, d);
            let at = match &failure.steady {
                // In steady state: found down (a failure at 0, whose repair time left is drawn
                // from the repair's equilibrium law), or up for a draw of the lifetime's.
                Some(s) if stream.random::<f64>() < s.down => 0,
                Some(s) => s.lifetime.sample(&mut stream),
                None => {
                    let age = f.life.age.as_ref().map_or(0, |a| a.sample(&mut stream));
                    lifecycle::lifetime(failure, f.life.cold_spares, age, &mut stream)
                }
            };
            sched.schedule_at(at, Event::DeviceFail(d).into());
        }
    }

    /// Schedules device `d`'s first lifecycle change from its inventory state: its remaining
    /// life conditioned on its age, its battery's charge; down devices start down.
    fn start_listed<O: Observer>(
        &mut self,
        sched: &mut impl Agenda<Packed>,
        cx: &mut LifeCx<'_, O>,
        d: u32,
        state: &StartState,
    ) {
        let mut stream = self.life_stream(cx, d);
        if let Some(down) = state.down {
            return self.start_down(sched, cx, d, down, &mut stream);
        }
        let fleets = cx.fleets;
        let f = &fleets[cx.devices[d as usize].fleet as usize];
        if f.life.has_clocks() {
            let mut clocks = Clocks::start(&f.life, f.failure.as_ref(), 0, state.age, &mut stream);
            if f.life.battery.is_some()
                && let Some(battery) = state.battery
            {
                clocks.battery_at = battery_left(battery, clocks.battery_life);
            }
            let at = self.clock_of(cx, d);
            self.put(at, clocks);
            self.schedule_next_change(sched, cx, d);
            self.schedule_degradation(sched, cx, d);
        } else if f.life.standby.is_some() {
            self.standby_start(sched, cx, d, state.age, None, &mut stream);
        } else if let Some(failure) = &f.failure {
            let at = lifecycle::lifetime(failure, f.life.cold_spares, state.age, &mut stream);
            sched.schedule_at(at, Event::DeviceFail(d).into());
        }
    }

    /// Device `d` is down at time 0: failed before the run (not counted among its failures).
    /// In repair, it comes back after the rest of its repair; failed and waiting, its repair
    /// starts now, through the site's crew if it has one. A fleet with clocks puts a new unit
    /// in service at the repair, as after any failure.
    fn start_down<O: Observer>(
        &mut self,
        sched: &mut impl Agenda<Packed>,
        cx: &mut LifeCx<'_, O>,
        d: u32,
        down: StartDown,
        stream: &mut Stream,
    ) {
        let fleet = cx.devices[d as usize].fleet as usize;
        // The scenario compiler refuses a down device in a fleet without a failure law.
        let Some(failure) = &cx.fleets[fleet].failure else {
            return self.set_device_up(cx, 0, d, false);
        };
        if cx.fleets[fleet].life.standby.is_some() {
            // Down until the unit in service is back; its spares wait on the shelf.
            let repair = if down.in_repair {
                failure.repair.sample_residual(down.for_ticks, stream)
            } else {
                failure.repair.sample(stream)
            };
            let down = Some((repair, !down.in_repair));
            return self.standby_start(sched, cx, d, 0, down, stream);
        }
        self.set_device_up(cx, 0, d, false);
        if down.in_repair {
            let left = failure.repair.sample_residual(down.for_ticks, stream);
            sched.schedule_at(left, Event::DeviceRepair(d).into());
            return;
        }
        let repair = failure.repair.sample(stream);
        match cx.crews.of_fleet(fleet) {
            Some(c) => cx.crews.raise_job(sched, c, Work::Device(d), repair, true),
            None => {
                sched.schedule_at(repair, Event::DeviceRepair(d).into());
            }
        }
    }

    /// The stream for device `d`'s next lifecycle draw (and counts the draw).
    fn life_stream<O: Observer>(&self, cx: &mut LifeCx<'_, O>, d: u32) -> Stream {
        let dev = &mut cx.devices[d as usize];
        let fleet = &cx.fleets[dev.fleet as usize];
        let draw = dev.life_draws as u64;
        dev.life_draws += 1;
        self.keys.stream(
            member_key(fleet.key, (d - fleet.first_device) as u64),
            process::LIFECYCLE | (draw + 1) << 32,
        )
    }

    /// Where device `d`'s clocks are (in a fleet with clocks).
    fn clock_of<O: Observer>(&self, cx: &LifeCx<'_, O>, d: u32) -> ClockIndex {
        let f = &cx.fleets[cx.devices[d as usize].fleet as usize];
        if f.lived_ahead {
            // The last entries: the device living ahead now (`keep_clocks`).
            return ClockIndex {
                unit: self.clocks.len().wrapping_sub(1),
                power: has_power_clocks(f).then_some(self.power.len().wrapping_sub(1)),
            };
        }
        let i = d - f.first_device;
        ClockIndex {
            unit: (f.first_clock + i) as usize,
            power: has_power_clocks(f).then_some((f.first_power + i) as usize),
        }
    }

    /// Device `d`'s clocks, put together from where they are kept.
    fn get(&self, at: ClockIndex) -> Clocks {
        let u = self.clocks[at.unit];
        let p = at
            .power
            .map_or(PowerClocks::from(Clocks::default()), |i| self.power[i]);
        Clocks {
            failure_at: u.failure_at,
            battery_at: p.battery_at,
            replace_at: p.replace_at,
            battery_life: p.battery_life,
            degrade_at: u.degrade_at,
            scheduled_at: u.scheduled_at,
            cause: u.cause,
        }
    }

    /// Keeps `clocks` as device `d`'s (the battery and replacement clocks only if its fleet
    /// has them: otherwise they are `NEVER` and nothing reads them).
    fn put(&mut self, at: ClockIndex, clocks: Clocks) {
        self.clocks[at.unit] = UnitClocks::from(clocks);
        if let Some(i) = at.power {
            self.power[i] = PowerClocks::from(clocks);
        }
    }

    /// Schedules the earliest of device `d`'s clocks, remembering its cause.
    fn schedule_next_change<O: Observer>(
        &mut self,
        sched: &mut impl Agenda<Packed>,
        cx: &mut LifeCx<'_, O>,
        d: u32,
    ) {
        let clock = self.clock_of(cx, d);
        let (at, cause) = self.get(clock).next();
        let unit = &mut self.clocks[clock.unit];
        if at == lifecycle::NEVER {
            unit.scheduled_at = lifecycle::NEVER;
            return;
        }
        let at = at.max(sched.now());
        unit.scheduled_at = at;
        unit.cause = cause;
        sched.schedule_at(at, Event::DeviceFail(d).into());
    }

    /// A change of a device with clocks: it goes down for a failure, a flat battery or a
    /// planned replacement, or comes back (repaired, recharged or replaced).
    #[expect(
        clippy::expect_used,
        reason = "a battery change is scheduled only for a fleet with a battery (Clocks::next)"
    )]
    fn clocked_device_changed<O: Observer>(
        &mut self,
        sched: &mut impl Agenda<Packed>,
        cx: &mut LifeCx<'_, O>,
        d: u32,
        up: bool,
    ) {
        let now = sched.now();
        let fleet = cx.devices[d as usize].fleet as usize;
        let clock = self.clock_of(cx, d);
        let cause = self.clocks[clock.unit].cause;
        if !up && self.clocks[clock.unit].scheduled_at != now {
            // Scheduled for a unit an inspection has replaced since: not this unit's change.
            return;
        }
        let mut stream = self.life_stream(cx, d);
        let f = &cx.fleets[fleet];
        if up {
            match cause {
                lifecycle::BATTERY => {
                    let spec = f.life.battery.as_ref().expect("a battery went flat");
                    let mut clocks = self.get(clock);
                    clocks.new_battery(spec, now, &mut stream);
                    self.put(clock, clocks);
                }
                // A repair or a replacement puts a new unit, with a new battery, in service.
                _ => {
                    let clocks = Clocks::start(&f.life, f.failure.as_ref(), now, 0, &mut stream);
                    self.put(clock, clocks);
                    self.unit_renewed(sched, cx, d);
                }
            }
            self.set_device_up(cx, now, d, true);
            self.schedule_next_change(sched, cx, d);
            return;
        }
        let down_for = match cause {
            lifecycle::FAILURE => {
                cx.acc.device_failures += 1;
                cx.acc.fleet_failures[fleet] += 1;
                f.failure.as_ref().map(|x| x.repair.sample(&mut stream))
            }
            lifecycle::BATTERY => {
                cx.acc.life_stats.battery_depletions += 1;
                cx.acc.life_stats.battery_life_sum += self.get(clock).battery_life as u128;
                if !cx.devices[d as usize].failed {
                    cx.devices[d as usize].failed = true;
                    cx.acc.life_stats.first_depletions[slice_of(now, cx.acc.span)] += 1;
                }
                let swap = f.life.battery.as_ref().and_then(|b| b.swap.as_ref());
                match swap {
                    Some(swap) => {
                        cx.acc.life_stats.fleet_battery_swaps[fleet] += 1;
                        Some(swap.sample(&mut stream))
                    }
                    None => {
                        cx.acc.life_stats.dead += 1;
                        None
                    }
                }
            }
            _ => {
                cx.acc.life_stats.planned_replacements += 1;
                cx.acc.life_stats.fleet_replacements[fleet] += 1;
                match f.life.replace.as_ref().and_then(|r| r.downtime.as_ref()) {
                    Some(downtime) => Some(downtime.sample(&mut stream)),
                    None => {
                        // Swapped without interruption: a new unit at once.
                        if O::ENABLED {
                            let step = upkeep_step(d, lifecycle::REPLACEMENT, Some(0));
                            cx.observer.observe(now, step);
                        }
                        let f = &cx.fleets[fleet];
                        let clocks =
                            Clocks::start(&f.life, f.failure.as_ref(), now, 0, &mut stream);
                        self.put(clock, clocks);
                        self.unit_renewed(sched, cx, d);
                        self.schedule_next_change(sched, cx, d);
                        return;
                    }
                }
            }
        };
        self.set_device_up(cx, now, d, false);
        if O::ENABLED {
            cx.observer.observe(now, upkeep_step(d, cause, down_for));
        }
        if let Some(after) = down_for {
            // A failed unit at a crew's site waits for a technician; battery swaps and planned
            // replacements keep their own delays.
            match cx.crews.of_fleet(fleet) {
                Some(c) if cause == lifecycle::FAILURE => {
                    cx.crews.raise_job(sched, c, Work::Device(d), after, true)
                }
                _ => {
                    sched.schedule_at(now.saturating_add(after), Event::DeviceRepair(d).into());
                }
            }
        }
    }

    /// Records device `d` going up or down: its flag, availability and the trace.
    fn set_device_up<O: Observer>(&mut self, cx: &mut LifeCx<'_, O>, now: Ticks, d: u32, up: bool) {
        self.watch_dead(cx, now, d, up);
        cx.devices[d as usize].up = up;
        if up {
            cx.acc.device_down.came_up(now);
        } else {
            cx.acc.device_down.went_down(now);
        }
        cx.observer.observe(
            now,
            if up {
                Trace::DeviceUp(d)
            } else {
                Trace::DeviceDown(d)
            },
        );
    }

    /// Counts device `d` going down or up (before its flag changes) for its fleet's k-of-n
    /// service level and `stop_when_dead`, and notes the first instant a fleet reaches its
    /// share of dead devices.
    #[inline]
    fn watch_dead<O: Observer>(&mut self, cx: &mut LifeCx<'_, O>, now: Ticks, d: u32, up: bool) {
        let dev = &cx.devices[d as usize];
        if dev.up != up {
            cx.acc.fleet_device_changed(now, dev.fleet as usize, d, up);
        }
        let Some(watch) = &mut self.dead_watch else {
            return;
        };
        if dev.up != up && watch.changed(dev.fleet as usize, up) && self.end_of_life.is_none() {
            self.end_of_life = Some(now);
        }
    }

    /// Device `d` fails (`up == false`) or comes back (`DeviceFail`, `DeviceRepair`); for a
    /// device with clocks, the change is a failure, a flat battery or a planned replacement.
    pub(super) fn device_changed<O: Observer>(
        &mut self,
        sched: &mut impl Agenda<Packed>,
        cx: &mut LifeCx<'_, O>,
        d: u32,
        up: bool,
    ) {
        let fleet = cx.devices[d as usize].fleet as usize;
        if cx.fleets[fleet].life.has_clocks() {
            return self.clocked_device_changed(sched, cx, d, up);
        }
        if cx.fleets[fleet].life.standby.is_some() {
            return self.standby_changed(sched, cx, d, up);
        }
        let now = sched.now();
        self.watch_dead(cx, now, d, up);
        cx.devices[d as usize].up = up;
        if !up {
            cx.count_failure(d, now);
        }
        cx.observer.observe(
            now,
            if up {
                Trace::DeviceUp(d)
            } else {
                Trace::DeviceDown(d)
            },
        );
        let mut stream = self.life_stream(cx, d);
        let Some(f) = &cx.fleets[cx.devices[d as usize].fleet as usize].failure else {
            return;
        };
        let next = if up {
            cx.acc.device_down.came_up(now);
            Event::DeviceFail(d)
        } else {
            cx.acc.device_down.went_down(now);
            Event::DeviceRepair(d)
        };
        let after = match &f.steady {
            _ if up => lifecycle::lifetime(f, cx.fleets[fleet].life.cold_spares, 0, &mut stream),
            // A unit that starts in steady state and is down at 0 is part-way through a repair.
            Some(s) if now == 0 => s.repair.sample(&mut stream),
            _ => f.repair.sample(&mut stream),
        };
        if O::ENABLED && !up {
            cx.observer
                .observe(now, upkeep_step(d, lifecycle::FAILURE, Some(after)));
        }
        match cx.crews.of_fleet(fleet) {
            Some(c) if !up => cx.crews.raise_job(sched, c, Work::Device(d), after, true),
            _ => {
                sched.schedule_at(now.saturating_add(after), next.into());
            }
        }
    }

    /// Schedules the onset of device `d`'s sensor degradation, if its unit has one coming.
    fn schedule_degradation<O: Observer>(
        &mut self,
        sched: &mut impl Agenda<Packed>,
        cx: &mut LifeCx<'_, O>,
        d: u32,
    ) {
        let at = self.clocks[self.clock_of(cx, d).unit].degrade_at;
        if at != lifecycle::NEVER {
            sched.schedule_at(at.max(sched.now()), Event::DeviceDegrade(d).into());
        }
    }

    /// Device `d`'s sensor degrades now, if this onset is still its unit's.
    pub(super) fn degrade<O: Observer>(
        &mut self,
        sched: &mut impl Agenda<Packed>,
        cx: &mut LifeCx<'_, O>,
        d: u32,
    ) {
        let now = sched.now();
        let clock = self.clock_of(cx, d);
        let unit = &mut self.clocks[clock.unit];
        if unit.degrade_at.max(now) != now || cx.devices[d as usize].degraded {
            return;
        }
        unit.degrade_at = lifecycle::NEVER;
        cx.devices[d as usize].degraded = true;
        cx.acc.degradation.onsets += 1;
        cx.acc.degradation.degraded.went_down(now);
        cx.observer.observe(now, Trace::DeviceDegraded(d));
    }

    /// Device `d` has a new unit (its clocks restarted): a degraded sensor is gone, and the
    /// new one's onset is scheduled.
    fn unit_renewed<O: Observer>(
        &mut self,
        sched: &mut impl Agenda<Packed>,
        cx: &mut LifeCx<'_, O>,
        d: u32,
    ) {
        let dev = &mut cx.devices[d as usize];
        if dev.degraded {
            dev.degraded = false;
            cx.acc.degradation.degraded.came_up(sched.now());
        }
        self.schedule_degradation(sched, cx, d);
    }

    /// The first inspection of every fleet with condition-based maintenance.
    pub(super) fn schedule_inspections(&self, sched: &mut impl Agenda<Packed>, fleets: &[FleetRt]) {
        for (f, fleet) in fleets.iter().enumerate() {
            if let Some(i) = fleet.life.degradation.as_ref().and_then(|d| d.inspection) {
                sched.schedule_at(i.every, Event::Inspect(f as u32).into());
            }
        }
    }

    /// Fleet `f` is inspected: each working degraded device is found with the inspection's
    /// detection probability (a draw of its own lifecycle stream) and replaced by a new unit
    /// on the spot. A fleet whose lives were lived ahead (`life/ahead.rs`) had its devices
    /// inspected then: the inspection is only counted here.
    pub(super) fn inspect<O: Observer>(
        &mut self,
        sched: &mut impl Agenda<Packed>,
        cx: &mut LifeCx<'_, O>,
        f: usize,
    ) {
        let now = sched.now();
        let Some(spec) = cx.fleets[f]
            .life
            .degradation
            .as_ref()
            .and_then(|d| d.inspection)
        else {
            return;
        };
        cx.acc.degradation.inspections += 1;
        sched.schedule_at(
            now.saturating_add(spec.every),
            Event::Inspect(f as u32).into(),
        );
        if cx.fleets[f].lived_ahead {
            return;
        }
        let first = cx.fleets[f].first_device;
        let end = cx
            .fleets
            .get(f + 1)
            .map_or(cx.devices.len() as u32, |n| n.first_device);
        for d in first..end {
            self.inspect_device(sched, cx, d, spec.detection);
        }
    }

    /// Device `d` is inspected now: if it works and is degraded, it is found with probability
    /// `detection` (a draw of its own lifecycle stream) and replaced by a new unit.
    fn inspect_device<O: Observer>(
        &mut self,
        sched: &mut impl Agenda<Packed>,
        cx: &mut LifeCx<'_, O>,
        d: u32,
        detection: f64,
    ) {
        let dev = &cx.devices[d as usize];
        if !(dev.degraded && dev.up) {
            return;
        }
        let mut stream = self.life_stream(cx, d);
        if stream.random::<f64>() >= detection {
            return;
        }
        let now = sched.now();
        let clock = self.clock_of(cx, d);
        let fleet = &cx.fleets[cx.devices[d as usize].fleet as usize];
        let clocks = Clocks::start(&fleet.life, fleet.failure.as_ref(), now, 0, &mut stream);
        self.put(clock, clocks);
        cx.acc.degradation.condition_replacements += 1;
        cx.observer.observe(now, Trace::DeviceReplaced(d));
        self.unit_renewed(sched, cx, d);
        self.schedule_next_change(sched, cx, d);
    }
}

/// Whether fleet `f`'s devices keep battery and replacement clocks.
pub(super) fn has_power_clocks(f: &FleetRt) -> bool {
    f.life.battery.is_some() || f.life.replace.is_some()
}

/// Where a device's clocks are kept: its unit clocks, and its power clocks if its fleet has any.
#[derive(Clone, Copy, Debug)]
struct ClockIndex {
    unit: usize,
    power: Option<usize>,
}

/// The part of [`Clocks`] every device with clocks uses: the unit's failure, its sensor's
/// degradation onset and the pending change. An event on a device reads this entry (half a
/// cache line) and, for a fleet with batteries or planned replacement, its [`PowerClocks`].
///
/// Aligned to its size: a large `Vec` from the allocator starts 16 bytes past a page, so an
/// 8-aligned 32-byte entry straddled two cache lines every other device (two misses where one
/// would do).
#[derive(Clone, Copy, Debug)]
#[repr(align(32))]
struct UnitClocks {
    failure_at: Ticks,
    degrade_at: Ticks,
    scheduled_at: Ticks,
    cause: u8,
}

// Half a cache line, so two devices' clocks share one and none straddles two.
const _: () = assert!(std::mem::size_of::<UnitClocks>() == 32);
const _: () = assert!(std::mem::align_of::<UnitClocks>() == 32);

/// The battery and planned-replacement part of [`Clocks`], kept only for fleets with either.
#[derive(Clone, Copy, Debug)]
struct PowerClocks {
    battery_at: Ticks,
    replace_at: Ticks,
    battery_life: Ticks,
}

impl From<Clocks> for UnitClocks {
    fn from(c: Clocks) -> Self {
        UnitClocks {
            failure_at: c.failure_at,
            degrade_at: c.degrade_at,
            scheduled_at: c.scheduled_at,
            cause: c.cause,
        }
    }
}

impl From<Clocks> for PowerClocks {
    fn from(c: Clocks) -> Self {
        PowerClocks {
            battery_at: c.battery_at,
            replace_at: c.replace_at,
            battery_life: c.battery_life,
        }
    }
}
