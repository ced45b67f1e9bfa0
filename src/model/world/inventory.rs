//! Starting a replication from the fleet as it stands (`scenario::inventory::Start`): each
//! listed device's unit is as old as the inventory says, so its remaining life is drawn from
//! its lifetime law conditioned on survival to that age (`DurationDist::sample_residual`, the
//! left truncation `iotwin fit` uses); its battery holds its charge; a device that is down
//! starts down, and one in repair comes back after the repair law conditioned on the time
//! already spent. Certificates are set by the software part (`Software::schedule_start`).
//!
//! Every draw comes from the device's own lifecycle stream, as for a device that starts new,
//! and a device the inventory does not list starts exactly as without one.

use crate::engine::{Scheduler, Stream, Ticks};
use crate::scenario::inventory::{StartBattery, StartDown, StartState};

use super::super::event::{Event, Packed};
use super::super::lifecycle::{self, Clocks};
use super::super::trace::{Observer, Trace, Upkeep};
use super::World;
use super::crews::Work;

impl<O: Observer> World<O> {
    /// Schedules device `d`'s first lifecycle change from its inventory state.
    pub(super) fn start_listed(
        &mut self,
        sched: &mut Scheduler<Packed>,
        d: u32,
        state: &StartState,
    ) {
        let mut stream = self.life_stream(d);
        if let Some(down) = state.down {
            return self.start_down(sched, d, down, &mut stream);
        }
        let fleet = self.devices[d as usize].fleet as usize;
        let f = &self.fleets[fleet];
        if f.life.has_clocks() {
            let mut clocks = Clocks::start(&f.life, f.failure.as_ref(), 0, state.age, &mut stream);
            if f.life.battery.is_some()
                && let Some(battery) = state.battery
            {
                clocks.battery_at = battery_left(battery, clocks.battery_life);
            }
            let clock = self.clock_of(d);
            self.clocks[clock] = clocks;
            self.schedule_next_change(sched, d);
            self.schedule_degradation(sched, d);
        } else if let Some(failure) = &f.failure {
            let at = lifecycle::lifetime(failure, f.life.cold_spares, state.age, &mut stream);
            sched.schedule_at(at, Event::DeviceFail(d).into());
        }
    }

    /// Device `d` is down at time 0: failed before the run (not counted among its failures).
    /// In repair, it comes back after the rest of its repair; failed and waiting, its repair
    /// starts now, through the site's crew if it has one. A fleet with clocks puts a new
    /// unit in service at the repair, as after any failure.
    fn start_down(
        &mut self,
        sched: &mut Scheduler<Packed>,
        d: u32,
        down: StartDown,
        stream: &mut Stream,
    ) {
        self.set_device_up(0, d, false);
        let fleet = self.devices[d as usize].fleet as usize;
        // The scenario compiler refuses a down device in a fleet without a failure law.
        let Some(failure) = &self.fleets[fleet].failure else {
            return;
        };
        if down.in_repair {
            let left = failure.repair.sample_residual(down.for_ticks, stream);
            sched.schedule_at(left, Event::DeviceRepair(d).into());
            return;
        }
        let repair = failure.repair.sample(stream);
        match self.crews.of_fleet(fleet) {
            Some(c) => self
                .crews
                .raise_job(sched, c, Work::Device(d), repair, true),
            None => {
                sched.schedule_at(repair, Event::DeviceRepair(d).into());
            }
        }
    }
}

impl<O: Observer> World<O> {
    /// Reports the work device `d` needs now that it went down for `cause`
    /// (`lifecycle::FAILURE`, `BATTERY` or `REPLACEMENT`), taking `lasting` (`None`: a flat
    /// battery nobody swaps).
    pub(super) fn observe_upkeep(&mut self, now: Ticks, d: u32, cause: u8, lasting: Option<Ticks>) {
        let work = match (cause, lasting) {
            (lifecycle::FAILURE, _) => Upkeep::Repair,
            (lifecycle::BATTERY, Some(_)) => Upkeep::BatterySwap,
            (lifecycle::BATTERY, None) => Upkeep::BatteryDead,
            _ => Upkeep::Replacement,
        };
        let lasting = lasting.unwrap_or(0);
        let step = Trace::Upkeep {
            device: d,
            work,
            lasting,
        };
        self.observer.observe(now, step);
    }
}

/// When a battery in `battery` state runs flat, for a cell whose full life is `full` ticks.
fn battery_left(battery: StartBattery, full: Ticks) -> Ticks {
    match battery {
        StartBattery::Charge(ppm) => (full as f64 * ppm as f64 / 1e6).round() as Ticks,
        StartBattery::UsedFor(used) => full.saturating_sub(used),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_battery_lasts_its_charge_or_what_is_left_since_its_swap() {
        assert_eq!(battery_left(StartBattery::Charge(620_000), 1000), 620);
        assert_eq!(battery_left(StartBattery::UsedFor(300), 1000), 700);
        assert_eq!(battery_left(StartBattery::UsedFor(3000), 1000), 0);
    }
}
