//! Which fleets live their devices' lives ahead of the run, and the glue between the
//! lifecycle part that lives them (`life/ahead.rs`) and flow mode, which reads their state
//! changes from each fleet's timeline (`flow/timeline.rs`).
//!
//! A device's lifecycle can be lived on its own when nothing in the run can change it or
//! needs to see it happen: flow mode (packet mode's messages read a device's state as they
//! go), no observer (a trace lists every step in time order), no warm-up (its restart would
//! split the counts) and no `stop_when_dead` (its end depends on every device at once); and
//! for the fleet: no crew (a repair waits for technicians other units also need), no k-of-n
//! service level (a count over time), no firmware or certificates (campaigns read devices'
//! states), no own SIMs, no device buffers, and no common cause that holds devices down.
//! Every draw is the same, from the device's own lifecycle stream, so the results are those
//! of living them event by event (checked on every shipped scenario by
//! `lives_lived_ahead_give_the_event_by_event_results`).
//!
//! A life lived ahead costs its fleet's timeline 8 bytes a state change, all of them kept
//! until the run reads them; an event-by-event life holds its clocks and a pending event or
//! two. A fleet whose devices would each change state more than
//! [`MOST_CHANGES_AHEAD`] times in expectation over the run (say, a failure a month for ten
//! years) lives event by event, so memory stays bounded by the devices, not the horizon.

use crate::engine::Ticks;
use crate::engine::agenda::Local;
use crate::model::trace::Observer;
use crate::scenario::Deployment;
use crate::scenario::inventory::Start;

use super::flow::{self, Timeline};
use super::life::LifeCx;
use super::{FleetRt, World};

/// The most state changes a device may be expected to make over the run for its fleet to
/// live ahead: 128 bytes of timeline a device, about what the event-by-event life holds (its
/// entry, clocks, pending events and the queue's room for them).
pub(super) const MOST_CHANGES_AHEAD: f64 = 16.0;

/// The state changes a device of `fleet` makes over `horizon` in expectation, roughly: two a
/// failure (down, up), a battery run flat or a planned replacement, and two a degraded sensor
/// (degraded, then found or replaced with its unit), one sensor a unit.
fn expected_changes(fleet: &FleetRt, horizon: Ticks) -> f64 {
    let h = horizon as f64;
    let failures = fleet
        .failure
        .as_ref()
        .map_or(0.0, |f| h / (f.lifetime.mean() + f.repair.mean()).max(1.0));
    let life = &fleet.life;
    let replacements = life
        .replace
        .as_ref()
        .map_or(0.0, |r| h / (r.at_age as f64).max(1.0));
    let batteries = life.battery.as_ref().map_or(0.0, |b| h / b.life.max(1.0));
    let units = 1.0 + failures + replacements;
    let degradations = if life.degradation.is_some() {
        units
    } else {
        0.0
    };
    2.0 * (failures + replacements + batteries + degradations)
}

impl<O: Observer> World<O> {
    /// Marks the fleets whose devices live ahead (`FleetRt::lived_ahead`) in a run to `end`,
    /// if the run `allows` it.
    pub(super) fn mark_lived_ahead(&mut self, dep: &Deployment, end: Ticks, allows: bool) {
        let run_allows = self.flow.is_some()
            && allows
            && !O::ENABLED
            && !(dep.warmup > 0 && dep.warmup < end)
            && !dep.stops_when_dead()
            && end <= flow::LATEST_CHANGE
            && !self.net.may_hold_devices();
        for (f, fleet) in self.fleets.iter_mut().enumerate() {
            fleet.lived_ahead = run_allows
                && !fleet.cellular
                && fleet.device_buffer == 0
                && self.crews.of_fleet(f).is_none()
                && dep.fleets[f].at_least_up.is_none()
                && !self.software.keeps_flags(f)
                && expected_changes(fleet, end) <= MOST_CHANGES_AHEAD;
        }
    }

    /// Lives the lives of every device of the fleets marked, from their start (the
    /// inventory's `start`, if any) to the horizon, and hands each fleet's state changes to
    /// flow mode.
    pub(super) fn live_ahead(&mut self, start: Option<&Start>) {
        let Some(flow) = self.flow.as_deref_mut() else {
            return;
        };
        let mut agenda = Local::default();
        // One timeline grows as the fleet's devices live; its fleet keeps an exact copy.
        let mut timeline = Timeline::default();
        for f in 0..self.fleets.len() {
            let fleet = &self.fleets[f];
            if !fleet.lived_ahead {
                continue;
            }
            let (first, count) = (fleet.first_device, fleet.count);
            for d in first..first + count {
                let listed = start.and_then(|s| s.state(f, d - first));
                let fleets = &self.fleets;
                let mut cx = life_cx!(self);
                self.life.live_ahead(
                    &mut agenda,
                    &mut cx,
                    d,
                    listed,
                    self.horizon,
                    |dev| flow::lifecycle_state(dev, &fleets[f]),
                    |at, from, to| timeline.record(at, from, to),
                );
            }
            flow.lived_ahead(f, &mut timeline);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{RunMode, no_custom_policies};
    use super::*;
    use crate::engine::Scheduler;
    use crate::model::trace::Silent;
    use crate::scenario;

    /// The shipped scenarios (and the twin example, whose fleet starts from an inventory),
    /// cut to `years` and about `devices` devices.
    fn shipped(years: u64, devices: u32) -> Vec<(String, Deployment)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut paths = vec![root.join("reports/twin-example/scenario.ron")];
        for dir in ["scenarios", "scenarios/textbook", "scenarios/trackers"] {
            let mut found: Vec<_> = std::fs::read_dir(root.join(dir))
                .expect("a shipped folder")
                .map(|e| e.expect("an entry").path())
                .filter(|p| p.extension().is_some_and(|e| e == "ron"))
                .collect();
            found.sort();
            paths.extend(found);
        }
        paths
            .into_iter()
            .map(|path| {
                let mut dep = scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
                dep.horizon = dep.horizon.min(years * 365 * 86_400_000_000);
                let each = (devices / dep.fleets.len() as u32).max(1);
                if dep.inventory.is_none() {
                    dep.fleets
                        .iter_mut()
                        .for_each(|f| f.count = f.count.min(each));
                }
                (path.display().to_string(), dep)
            })
            .flat_map(|(name, dep)| {
                // The twin's fleets keep certificates and the textbook's standby spares run
                // after a warm-up (so they live event by event): without them, the same fleets
                // live ahead, from the same inventory, with the same spares.
                let uncertified = dep.inventory.is_some().then(|| {
                    let mut plain = dep.clone();
                    plain.fleets.iter_mut().for_each(|f| f.certificate = None);
                    (format!("{name} without certificates"), plain)
                });
                // (A month: the pumps fail every 100 hours, a few changes a device.)
                let cold = (dep.warmup > 0).then(|| {
                    let mut cold = dep.clone();
                    cold.warmup = 0;
                    cold.horizon = cold.horizon.min(30 * 86_400_000_000);
                    (format!("{name} without its warm-up"), cold)
                });
                std::iter::once((name, dep)).chain(uncertified).chain(cold)
            })
            .collect()
    }

    /// Whether any fleet of `dep` lives ahead in flow mode.
    fn lives_ahead(dep: &Deployment) -> bool {
        let mut sched = Scheduler::default();
        let mode = RunMode::Flow { lived_ahead: true };
        let world = World::build(
            dep,
            0,
            &mut sched,
            Silent,
            &no_custom_policies,
            mode,
            dep.horizon,
        );
        world.fleets.iter().any(|f| f.lived_ahead)
    }

    #[test]
    fn lives_lived_ahead_give_the_event_by_event_results() {
        let mut ahead = vec![];
        for (name, dep) in shipped(3, 1_500) {
            if crate::montecarlo::flow_unsupported(&dep).is_some() {
                continue;
            }
            if lives_ahead(&dep) {
                ahead.push(name.clone());
            }
            for r in 0..2 {
                let run = |lived_ahead| {
                    let mode = RunMode::Flow { lived_ahead };
                    World::run_as(&dep, r, Silent, &no_custom_policies, mode)
                        .map(|(outcome, _)| format!("{outcome:?}"))
                };
                assert_eq!(run(true), run(false), "{name}, replication {r}");
            }
        }
        // The test means something: the meter fleets (degradation and inspections), battery
        // meters (city_meters), a fleet started from an inventory and one with standby spares
        // lived ahead.
        for name in [
            "national_meters",
            "city_scale_meters",
            "city_meters",
            "twin-example/scenario.ron without certificates",
            "standby_coverage.ron without its warm-up",
        ] {
            assert!(ahead.iter().any(|a| a.contains(name)), "{name}: {ahead:?}");
        }
    }

    #[test]
    fn a_trace_a_warm_up_or_many_changes_keep_lives_event_by_event() {
        let text = |horizon: &str, extra: &str| {
            format!(
                r#"Scenario(name: "t", horizon: "{horizon}", seed: 1, {extra}
                sites: [Site(id: "s")], carriers: [Carrier(id: "c")],
                gateways: [Gateway(id: "g", site: "s", buffer_messages: 100, uplinks: [Uplink(carrier: "c")])],
                fleets: [Fleet(id: "f", site: "s", gateway: "g", count: 10,
                    report: Fixed("1h"),
                    failure: Failure(lifetime: Exponential(mean: "5d"), repair: Exponential(mean: "1d")))])"#
            )
        };
        let dep = |horizon: &str, extra: &str| {
            scenario::compile_source(&text(horizon, extra), "t.ron").expect("valid")
        };
        assert!(lives_ahead(&dep("30d", "")));
        assert!(!lives_ahead(&dep("30d", r#"warmup: "1d","#)));
        // Thirty days of failures every five days: about ten changes a device, ahead; a year
        // of them (about 120) would be a timeline of a kilobyte a device.
        assert!(!lives_ahead(&dep("365d", "")));
        let mut sched = Scheduler::default();
        let traced = World::build(
            &dep("30d", ""),
            0,
            &mut sched,
            crate::model::trace::Recorder::default(),
            &no_custom_policies,
            RunMode::Flow { lived_ahead: true },
            30 * 86_400_000_000,
        );
        assert!(!traced.fleets[0].lived_ahead);
    }
}
