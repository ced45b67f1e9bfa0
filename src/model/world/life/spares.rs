//! Standby spares for devices: each device of a fleet with `standby` keeps one unit in
//! service and `spares` on the shelf; a failed unit is repaired while another runs.
//!
//! Every unit's life is drawn from the fleet's failure law in *in-service* time and spent at
//! rate 1 in service and at the standby's idle rate on the shelf (the warm factor; 1 when
//! hot, 0 when cold), the accelerated-life view the standby gateways use
//! (`network/standby.rs`). When the unit in service fails it goes to repair (its repair law,
//! or the site's crew), and a spare on the shelf takes over if the switch works (a draw of
//! the device's lifecycle stream against the coverage): the device is down for the switch
//! time (drawn from its law at each switch), then up on the spare, which does not age while
//! it is being put in. An uncovered switch, or an empty shelf, leaves the device down until a
//! unit comes back from repair, which then goes straight into service; a unit repaired while
//! another runs goes back to the shelf with a new life (repaired units are interchangeable).
//! A spare that fails on the shelf (warm or hot) goes to repair too, without taking the
//! device down.
//!
//! Events cannot be cancelled: each device remembers when the `DeviceFail` that counts is due
//! (the earliest failure among its units) and ignores the others; a `DeviceRepair` is the end
//! of a switch when one is due then, else a unit back from repair. Only devices of standby
//! fleets have an entry here, so other fleets pay nothing.

use std::collections::BTreeMap;

use rand::RngExt;

use crate::engine::{Agenda, Stream, Ticks};
use crate::scenario::DeviceStandbySpec;

use super::super::super::event::{Event, Packed};
use super::super::super::lifecycle::{self, NEVER};
use super::super::super::trace::Observer;
use super::super::crews::Work;
use super::super::inventory::upkeep_step;
use super::{Life, LifeCx};

/// Per device of a standby fleet: its units.
#[derive(Default)]
pub(super) struct Spares {
    devices: BTreeMap<u32, Units>,
}

/// A spare on the shelf: its life left as of `since`, in in-service ticks.
#[derive(Clone, Copy, Debug)]
struct Shelved {
    left: f64,
    since: Ticks,
}

impl Shelved {
    /// When it fails on the shelf, ageing at `idle` (never, when cold).
    fn fails_at(&self, idle: f64) -> Ticks {
        if idle > 0.0 {
            self.since
                .saturating_add((self.left / idle).ceil().min(NEVER as f64) as Ticks)
        } else {
            NEVER
        }
    }

    /// Its life left at `now`, taken off the shelf.
    fn left_at(&self, idle: f64, now: Ticks) -> Ticks {
        (self.left - (now - self.since) as f64 * idle)
            .max(0.0)
            .round() as Ticks
    }
}

/// One device's units.
#[derive(Debug)]
struct Units {
    /// When the unit in service fails (`NEVER`: none is in service).
    active_fails: Ticks,
    shelf: Vec<Shelved>,
    /// A spare being switched in: its life left, and when it takes over.
    incoming: Option<(Ticks, Ticks)>,
    /// Units in repair (or waiting for a crew).
    in_repair: u32,
    /// When the `DeviceFail` that counts is due (`NEVER`: none is).
    due: Ticks,
}

impl Units {
    /// The earliest failure among the unit in service and the spares on the shelf.
    fn next_failure(&self, idle: f64) -> Ticks {
        self.shelf
            .iter()
            .map(|s| s.fails_at(idle))
            .fold(self.active_fails, Ticks::min)
    }
}

impl Life {
    /// The standby spec of device `d`'s fleet, if it keeps standby spares.
    pub(super) fn standby_of<'a, O: Observer>(
        cx: &'a LifeCx<'_, O>,
        d: u32,
    ) -> Option<&'a DeviceStandbySpec> {
        cx.fleets[cx.devices[d as usize].fleet as usize]
            .life
            .standby
            .as_ref()
    }

    /// Starts device `d` of a standby fleet at time 0: its unit in service `age` old, its
    /// spares new on the shelf; `down` (from the inventory): the unit in service is already
    /// failed, and its repair takes `repair` (a crew's job if `via_crew`).
    pub(super) fn standby_start<O: Observer>(
        &mut self,
        sched: &mut impl Agenda<Packed>,
        cx: &mut LifeCx<'_, O>,
        d: u32,
        age: Ticks,
        down: Option<(Ticks, bool)>,
        stream: &mut Stream,
    ) {
        let fleet = cx.devices[d as usize].fleet as usize;
        let f = &cx.fleets[fleet];
        let (Some(spec), Some(failure)) = (&f.life.standby, &f.failure) else {
            return;
        };
        let active_fails = match down {
            Some(_) => NEVER,
            None => failure.lifetime.sample_residual(age, stream),
        };
        let idle = spec.idle_rate;
        let shelf = (0..spec.spares)
            .map(|_| Shelved {
                left: failure.lifetime.sample(stream) as f64,
                since: 0,
            })
            .collect();
        self.spares.devices.insert(
            d,
            Units {
                active_fails,
                shelf,
                incoming: None,
                in_repair: 0,
                due: NEVER,
            },
        );
        if let Some((repair, via_crew)) = down {
            self.set_device_up(cx, 0, d, false);
            self.standby_to_repair(sched, cx, d, repair, via_crew);
        }
        self.standby_reschedule(sched, d, idle);
    }

    /// A `DeviceFail` (`up == false`) or `DeviceRepair` of device `d` of a standby fleet.
    pub(super) fn standby_changed<O: Observer>(
        &mut self,
        sched: &mut impl Agenda<Packed>,
        cx: &mut LifeCx<'_, O>,
        d: u32,
        up: bool,
    ) {
        let now = sched.now();
        let Some(idle) = Self::standby_of(cx, d).map(|s| s.idle_rate) else {
            return;
        };
        let Some(units) = self.spares.devices.get_mut(&d) else {
            return;
        };
        if up {
            self.standby_back(sched, cx, d);
        } else if units.due == now {
            units.due = NEVER;
            if units.active_fails == now {
                self.standby_active_failed(sched, cx, d);
            } else if let Some(i) = units.shelf.iter().position(|s| s.fails_at(idle) == now) {
                // A spare failed on the shelf: to repair, the device carries on.
                units.shelf.remove(i);
                let mut stream = self.life_stream(cx, d);
                let repair = Self::repair_law(cx, d).map_or(0, |r| r.sample(&mut stream));
                self.standby_to_repair(sched, cx, d, repair, true);
            }
        }
        self.standby_reschedule(sched, d, idle);
    }

    /// The unit in service of device `d` failed now: it goes to repair, and a spare on the
    /// shelf takes over if the switch works.
    ///
    /// Draw order on the device's lifecycle stream: the failed unit's repair time, then the
    /// coverage (only with a spare on the shelf and coverage below 1), then the switch time
    /// (only for a covered switch; a fixed switch time draws nothing, so a plain duration
    /// gives the same results as before the switch time became a law).
    fn standby_active_failed<O: Observer>(
        &mut self,
        sched: &mut impl Agenda<Packed>,
        cx: &mut LifeCx<'_, O>,
        d: u32,
    ) {
        let now = sched.now();
        cx.count_failure(d, now);
        let mut stream = self.life_stream(cx, d);
        let repair = Self::repair_law(cx, d).map_or(0, |r| r.sample(&mut stream));
        if O::ENABLED {
            cx.observer
                .observe(now, upkeep_step(d, lifecycle::FAILURE, Some(repair)));
        }
        let Some(spec) = Self::standby_of(cx, d) else {
            return;
        };
        let Some(units) = self.spares.devices.get_mut(&d) else {
            return;
        };
        units.active_fails = NEVER;
        // Drawn only when there is a spare to switch to, and not for a perfect switch.
        let covered = !units.shelf.is_empty()
            && (spec.coverage >= 1.0 || stream.random::<f64>() < spec.coverage);
        let mut down = true;
        if covered {
            let left = units.shelf.remove(0).left_at(spec.idle_rate, now);
            let switch = spec.switch.sample(&mut stream);
            if switch == 0 {
                units.active_fails = now.saturating_add(left);
                down = false;
            } else {
                let at = now.saturating_add(switch);
                units.incoming = Some((left, at));
                sched.schedule_at(at, Event::DeviceRepair(d).into());
            }
        }
        if down {
            self.set_device_up(cx, now, d, false);
        }
        self.standby_to_repair(sched, cx, d, repair, true);
    }

    /// A `DeviceRepair` of device `d`: the end of the switch to a spare if one is due now,
    /// else a unit back from repair, into service if none is (or is coming), else to the
    /// shelf, with a new life either way.
    fn standby_back<O: Observer>(
        &mut self,
        sched: &mut impl Agenda<Packed>,
        cx: &mut LifeCx<'_, O>,
        d: u32,
    ) {
        let now = sched.now();
        let Some(units) = self.spares.devices.get_mut(&d) else {
            return;
        };
        if let Some((left, at)) = units.incoming
            && at == now
        {
            units.incoming = None;
            units.active_fails = now.saturating_add(left);
            self.set_device_up(cx, now, d, true);
            return;
        }
        units.in_repair = units.in_repair.saturating_sub(1);
        let mut stream = self.life_stream(cx, d);
        let fleet = cx.devices[d as usize].fleet as usize;
        let Some(failure) = &cx.fleets[fleet].failure else {
            return;
        };
        let life = failure.lifetime.sample(&mut stream);
        let Some(units) = self.spares.devices.get_mut(&d) else {
            return;
        };
        if units.active_fails == NEVER && units.incoming.is_none() {
            units.active_fails = now.saturating_add(life);
            self.set_device_up(cx, now, d, true);
        } else {
            units.shelf.push(Shelved {
                left: life as f64,
                since: now,
            });
        }
    }

    /// A failed unit of device `d` goes to repair for `repair`: a job for the site's crew if
    /// it has one (and `via_crew`), else back after the repair time.
    fn standby_to_repair<O: Observer>(
        &mut self,
        sched: &mut impl Agenda<Packed>,
        cx: &mut LifeCx<'_, O>,
        d: u32,
        repair: Ticks,
        via_crew: bool,
    ) {
        if let Some(units) = self.spares.devices.get_mut(&d) {
            units.in_repair += 1;
        }
        let fleet = cx.devices[d as usize].fleet as usize;
        match cx.crews.of_fleet(fleet) {
            Some(c) if via_crew => cx.crews.raise_job(sched, c, Work::Device(d), repair, true),
            _ => {
                let at = sched.now().saturating_add(repair);
                sched.schedule_at(at, Event::DeviceRepair(d).into());
            }
        }
    }

    /// Schedules device `d`'s earliest unit failure, if it changed.
    fn standby_reschedule(&mut self, sched: &mut impl Agenda<Packed>, d: u32, idle: f64) {
        let Some(units) = self.spares.devices.get_mut(&d) else {
            return;
        };
        let next = units.next_failure(idle).max(sched.now());
        if next != units.due {
            units.due = next;
            if next != NEVER {
                sched.schedule_at(next, Event::DeviceFail(d).into());
            }
        }
    }

    /// Device `d`'s repair law.
    fn repair_law<'a, O: Observer>(
        cx: &'a LifeCx<'_, O>,
        d: u32,
    ) -> Option<&'a crate::engine::DurationDist> {
        cx.fleets[cx.devices[d as usize].fleet as usize]
            .failure
            .as_ref()
            .map(|f| &f.repair)
    }
}
