//! How a device ages beyond the plain failure/repair alternation: an age at the start, cold
//! spares, batteries that run flat and planned replacement at a given age.
//!
//! A device with a battery or a replacement age keeps three clocks (its unit's next random
//! failure, its battery's depletion, its planned replacement) as absolute times; whichever is
//! earliest is the one scheduled, and the others keep running while it is handled, so a unit
//! found broken when its battery is swapped fails at once, as it would in the field. Devices
//! without either keep no clocks and cost nothing extra.

use rand_distr::{Distribution, StandardNormal};

use crate::engine::{Stream, Ticks};
use crate::scenario::{BatterySpec, FailureSpec, LifeSpec};

use super::degradation;

/// Why a device goes down (kept in the device while the change is pending and while it is down).
pub const FAILURE: u8 = 0;
pub const BATTERY: u8 = 1;
pub const REPLACEMENT: u8 = 2;

/// A time that never comes.
pub const NEVER: Ticks = Ticks::MAX;

/// The absolute times of a device's next random failure, battery depletion and planned
/// replacement, and the full life of the battery in it (for battery-life statistics).
#[derive(Clone, Copy, Debug)]
pub struct Clocks {
    pub failure_at: Ticks,
    pub battery_at: Ticks,
    pub replace_at: Ticks,
    pub battery_life: Ticks,
    /// When the unit's sensor degrades (`NEVER` once it has, or if it never will).
    pub degrade_at: Ticks,
    /// When the pending `DeviceFail` event is due: one scheduled for a unit since replaced
    /// (by an inspection) finds another time here and is ignored.
    pub scheduled_at: Ticks,
    /// Why the pending (or current) down time happens: [`FAILURE`], [`BATTERY`] or
    /// [`REPLACEMENT`].
    pub cause: u8,
}

impl Default for Clocks {
    fn default() -> Self {
        Clocks {
            failure_at: NEVER,
            battery_at: NEVER,
            replace_at: NEVER,
            battery_life: 0,
            degrade_at: NEVER,
            scheduled_at: NEVER,
            cause: FAILURE,
        }
    }
}

impl Clocks {
    /// The earliest pending change and its cause; ties go to a random failure, then the
    /// battery.
    pub fn next(&self) -> (Ticks, u8) {
        let mut next = (self.failure_at, FAILURE);
        if self.battery_at < next.0 {
            next = (self.battery_at, BATTERY);
        }
        if self.replace_at < next.0 {
            next = (self.replace_at, REPLACEMENT);
        }
        next
    }

    /// The clocks of a unit put in service at `now`, already `age` old, with a battery `age`
    /// into its life.
    pub fn start(
        life: &LifeSpec,
        failure: Option<&FailureSpec>,
        now: Ticks,
        age: Ticks,
        rng: &mut Stream,
    ) -> Clocks {
        // A device older than its replacement age has been replaced before: its unit is
        // `age mod at_age` old.
        let unit_age = life.replace.as_ref().map_or(age, |r| age % r.at_age);
        let mut clocks = Clocks {
            failure_at: failure.map_or(NEVER, |f| {
                now.saturating_add(lifetime(f, life.cold_spares, unit_age, rng))
            }),
            replace_at: life
                .replace
                .as_ref()
                .map_or(NEVER, |r| now.saturating_add(r.at_age - unit_age)),
            ..Clocks::default()
        };
        if let Some(b) = &life.battery {
            let full = battery_life(b, rng);
            clocks.battery_life = full;
            // Batteries swapped whenever they ran flat: this one is `age mod full` into its life.
            clocks.battery_at = now.saturating_add(full - age % full.max(1));
        }
        if let Some(d) = &life.degradation {
            // Drawn last, so fleets without degradation draw exactly as before. A unit older
            // than its onset at the start is degraded from the start.
            clocks.degrade_at =
                now.saturating_add(degradation::onset(d, rng).saturating_sub(unit_age));
        }
        clocks
    }

    /// A fresh battery put in at `now`.
    pub fn new_battery(&mut self, spec: &BatterySpec, now: Ticks, rng: &mut Stream) {
        let full = battery_life(spec, rng);
        self.battery_life = full;
        self.battery_at = now.saturating_add(full);
    }
}

/// A device's time to failure: the unit in service, already `age` old, then each cold spare,
/// new, in turn.
pub fn lifetime(failure: &FailureSpec, cold_spares: u32, age: Ticks, rng: &mut Stream) -> Ticks {
    let mut t = failure.lifetime.sample_residual(age, rng);
    for _ in 0..cold_spares {
        t = t.saturating_add(failure.lifetime.sample(rng));
    }
    t
}

/// The life of one full battery: the mean life scaled by the cell's usable capacity, normal
/// around 1 with the spread as its standard deviation (cut at 1% so no cell is empty new).
pub fn battery_life(spec: &BatterySpec, rng: &mut Stream) -> Ticks {
    let capacity = if spec.spread > 0.0 {
        let z: f64 = StandardNormal.sample(rng);
        (1.0 + spec.spread * z).max(0.01)
    } else {
        1.0
    };
    (spec.life * capacity).round().max(1.0) as Ticks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::DurationDist;
    use crate::engine::random::StreamKey;
    use crate::scenario::ReplaceSpec;

    fn rng() -> Stream {
        StreamKey {
            seed: 3,
            replication: 0,
            entity: 0,
            process: 0,
        }
        .stream()
    }

    #[test]
    fn the_earliest_clock_wins() {
        let c = Clocks {
            failure_at: 50,
            battery_at: 40,
            replace_at: 60,
            battery_life: 40,
            ..Clocks::default()
        };
        assert_eq!(c.next(), (40, BATTERY));
        assert_eq!(Clocks::default().next().0, NEVER);
    }

    #[test]
    fn an_old_device_was_replaced_before() {
        let life = LifeSpec {
            replace: Some(ReplaceSpec {
                at_age: 100,
                downtime: None,
            }),
            environment_factor: 1.0,
            ..LifeSpec::default()
        };
        let c = Clocks::start(&life, None, 0, 250, &mut rng());
        assert_eq!(c.replace_at, 50);
        assert_eq!(c.failure_at, NEVER);
    }

    #[test]
    fn a_battery_without_spread_lasts_its_mean() {
        let spec = BatterySpec {
            life: 1000.0,
            average_ma: 1.0,
            spread: 0.0,
            swap: None,
        };
        assert_eq!(battery_life(&spec, &mut rng()), 1000);
        let life = LifeSpec {
            battery: Some(spec),
            environment_factor: 1.0,
            ..LifeSpec::default()
        };
        let c = Clocks::start(&life, None, 10, 2300, &mut rng());
        assert_eq!(c.battery_at, 10 + 700);
    }

    #[test]
    fn cold_spares_add_lifetimes() {
        let f = FailureSpec {
            lifetime: DurationDist::fixed(30),
            repair: DurationDist::fixed(1),
            steady: None,
        };
        assert_eq!(lifetime(&f, 2, 0, &mut rng()), 90);
        assert_eq!(lifetime(&f, 2, 10, &mut rng()), 80);
    }
}
