//! Starting a replication from the fleet as it stands (`scenario::inventory::Start`): each
//! listed device's unit is as old as the inventory says, so its remaining life is drawn from
//! its lifetime law conditioned on survival to that age (`DurationDist::sample_residual`, the
//! left truncation `iotwin fit` uses); its battery holds its charge; a device that is down
//! starts down, and one in repair comes back after the repair law conditioned on the time
//! already spent (the lifecycle part, `Life::start_device`, applies them). Certificates are
//! set by the software part (`Software::schedule_start`).
//!
//! Every draw comes from the device's own lifecycle stream, as for a device that starts new,
//! and a device the inventory does not list starts exactly as without one. Here: the pieces
//! that need no part's state.

use crate::engine::Ticks;
use crate::scenario::inventory::StartBattery;

use super::super::lifecycle;
use super::super::trace::{Trace, Upkeep};

/// When a battery in `battery` state runs flat, for a cell whose full life is `full` ticks.
pub(super) fn battery_left(battery: StartBattery, full: Ticks) -> Ticks {
    match battery {
        StartBattery::Charge(ppm) => (full as f64 * ppm as f64 / 1e6).round() as Ticks,
        StartBattery::UsedFor(used) => full.saturating_sub(used),
    }
}

/// The trace step saying device `d` needs work now that it went down for `cause`
/// (`lifecycle::FAILURE`, `BATTERY` or `REPLACEMENT`), taking `lasting` (`None`: a flat battery
/// nobody swaps): what a forecast counts.
pub(super) fn upkeep_step(d: u32, cause: u8, lasting: Option<Ticks>) -> Trace {
    let work = match (cause, lasting) {
        (lifecycle::FAILURE, _) => Upkeep::Repair,
        (lifecycle::BATTERY, Some(_)) => Upkeep::BatterySwap,
        (lifecycle::BATTERY, None) => Upkeep::BatteryDead,
        _ => Upkeep::Replacement,
    };
    Trace::Upkeep {
        device: d,
        work,
        lasting: lasting.unwrap_or(0),
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

    #[test]
    fn a_flat_battery_nobody_swaps_is_a_dead_one() {
        let work = |cause, lasting| match upkeep_step(0, cause, lasting) {
            Trace::Upkeep { work, .. } => work,
            _ => unreachable!(),
        };
        assert_eq!(work(lifecycle::BATTERY, None), Upkeep::BatteryDead);
        assert_eq!(work(lifecycle::BATTERY, Some(5)), Upkeep::BatterySwap);
        assert_eq!(work(lifecycle::FAILURE, Some(5)), Upkeep::Repair);
    }
}
