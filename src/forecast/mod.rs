//! Forecasts from the fleet as it stands: the simulator itself, run from a scenario's
//! inventory (`scenario::inventory`) over the coming days, counting the work its own events
//! say is due — failures, battery swaps, certificate expiries, planned replacements, truck
//! rolls, crew hours and their cost — per fleet and per day, over many replications.
//!
//! Nothing here is a formula for the counts: every figure is a tally of [`Trace::Upkeep`]
//! steps the model reports as they happen (an [`Observer`]), so a forecast moves with
//! everything the model knows (crews, batteries, certificates, conditioned remaining lives).
//! Each replication is one possible future; a figure's **95% prediction interval** is the
//! 2.5% and 97.5% quantiles of its values over replications (where the count itself should
//! fall), beside the mean and the 95% confidence interval of the mean
//! ([`crate::montecarlo::estimate`], how sure the simulation is of the average).
//! [`backtest`] checks the prediction intervals against what happened.

pub mod backtest;
pub mod chart;
pub mod report;

use rayon::prelude::*;

use crate::engine::{TICKS_PER_SECOND, Ticks};
use crate::model::{ConservationError, Observer, Trace, Upkeep, World};
use crate::montecarlo::{Estimate, estimate};
use crate::scenario::Deployment;

/// One day in ticks.
pub const DAY: Ticks = 86_400 * TICKS_PER_SECOND;

/// What a forecast counts. Truck rolls are the site visits (repairs, battery swaps, planned
/// replacements); crew hours are those visits' own durations (the scenario's repair, swap
/// and replacement-downtime laws), travel and queueing left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Quantity {
    Failures,
    BatterySwaps,
    DeadBatteries,
    Replacements,
    CertExpiries,
    /// Devices a firmware campaign updates over the air.
    FirmwareUpdates,
    TruckRolls,
    CrewHours,
    /// Repair visits with parts, battery swaps and replacement hardware and installation,
    /// priced as the scenario's `costs` price them (`cost::breakdown`).
    Cost,
}

impl Quantity {
    pub const ALL: [Quantity; 9] = [
        Quantity::Failures,
        Quantity::BatterySwaps,
        Quantity::DeadBatteries,
        Quantity::Replacements,
        Quantity::CertExpiries,
        Quantity::FirmwareUpdates,
        Quantity::TruckRolls,
        Quantity::CrewHours,
        Quantity::Cost,
    ];

    /// The id used in files.
    pub fn id(self) -> &'static str {
        match self {
            Quantity::Failures => "failures",
            Quantity::BatterySwaps => "battery_swaps",
            Quantity::DeadBatteries => "dead_batteries",
            Quantity::Replacements => "planned_replacements",
            Quantity::CertExpiries => "cert_expiries",
            Quantity::FirmwareUpdates => "firmware_updates",
            Quantity::TruckRolls => "truck_rolls",
            Quantity::CrewHours => "crew_hours",
            Quantity::Cost => "cost",
        }
    }

    /// Words for tables and charts.
    pub fn label(self) -> &'static str {
        match self {
            Quantity::Failures => "failures",
            Quantity::BatterySwaps => "battery swaps",
            Quantity::DeadBatteries => "batteries dead for good",
            Quantity::Replacements => "planned replacements",
            Quantity::CertExpiries => "certificate expiries",
            Quantity::FirmwareUpdates => "firmware updates",
            Quantity::TruckRolls => "truck rolls",
            Quantity::CrewHours => "crew hours",
            Quantity::Cost => "maintenance cost",
        }
    }

    pub fn parse(id: &str) -> Option<Quantity> {
        Quantity::ALL.into_iter().find(|q| q.id() == id)
    }
}

/// How to forecast.
#[derive(Clone, Debug)]
pub struct Options {
    /// How far ahead (ticks from the inventory's date).
    pub horizon: Ticks,
    /// The points reported in tables (e.g. 30, 90, 365 days), each at most `horizon`.
    pub marks: Vec<Ticks>,
    pub replications: u32,
    pub seed: u64,
    /// Flow mode (telemetry in aggregate: what a fleet-sized forecast needs) or packet mode.
    pub flow: bool,
}

impl Options {
    /// 30, 90 and 365 days, `replications` futures, flow mode, the scenario's seed.
    pub fn standard(dep: &Deployment, replications: u32) -> Options {
        Options {
            horizon: 365 * DAY,
            marks: vec![30 * DAY, 90 * DAY, 365 * DAY],
            replications,
            seed: dep.seed,
            flow: true,
        }
    }
}

/// The statistics of one figure over the replications.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Figure {
    /// Mean, with the 95% confidence interval of the mean.
    pub mean: Estimate,
    pub median: f64,
    /// The 95% prediction interval: 2.5% and 97.5% quantiles over replications.
    pub low: f64,
    pub high: f64,
}

impl Figure {
    /// Summarises `values` (one per replication, in replication order).
    pub fn of(values: &[f64]) -> Figure {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        Figure {
            mean: estimate(values.iter().copied()),
            median: quantile(&sorted, 0.5),
            low: quantile(&sorted, 0.025),
            high: quantile(&sorted, 0.975),
        }
    }

    /// Whether `observed` lies in the 95% prediction interval.
    pub fn covers(&self, observed: f64) -> bool {
        self.low <= observed && observed <= self.high
    }
}

/// The `q` quantile of sorted values, linear between order statistics (Hyndman–Fan type 7,
/// numpy's and R's default); NaN for no values.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// A forecast: per replication, each quantity per group (each fleet, then the whole fleet)
/// cumulated at each mark, and the whole fleet's daily series.
#[derive(Clone, Debug)]
pub struct Forecast {
    pub scenario: String,
    /// The inventory's date (µs since 1970), if the scenario has an inventory.
    pub as_of: Option<i64>,
    pub seed: u64,
    pub replications: u32,
    pub horizon: Ticks,
    pub marks: Vec<Ticks>,
    /// Fleet ids, then "all".
    pub groups: Vec<String>,
    /// Devices per group at the start.
    pub devices: Vec<u64>,
    /// Quantities the scenario can produce (a fleet without batteries swaps none...).
    pub quantities: Vec<Quantity>,
    /// Length of one step of the series.
    pub bucket: Ticks,
    /// `cumulative[r][(q · groups + g) · marks + m]`: replication `r`'s count of quantity
    /// `quantities[q]` in group `g` from 0 to `marks[m]`.
    pub cumulative: Vec<Vec<f64>>,
    /// `series[r][q · buckets + b]`: replication `r`'s whole-fleet count of `quantities[q]`
    /// from 0 to the end of bucket `b`.
    pub series: Vec<Vec<f64>>,
    /// The scenario's currency, if it prices anything.
    pub currency: Option<String>,
}

impl Forecast {
    pub fn buckets(&self) -> usize {
        self.horizon.div_ceil(self.bucket.max(1)) as usize
    }

    /// Replications' values of quantity index `q` in group `g` up to mark `m`.
    pub fn values(&self, q: usize, g: usize, m: usize) -> Vec<f64> {
        let at = (q * self.groups.len() + g) * self.marks.len() + m;
        self.cumulative.iter().map(|row| row[at]).collect()
    }

    /// The figure of quantity `q` (an index into `quantities`) in group `g` up to mark `m`.
    pub fn figure(&self, q: usize, g: usize, m: usize) -> Figure {
        Figure::of(&self.values(q, g, m))
    }

    /// Per bucket end: (time in ticks, 2.5%, 25%, median, 75%, 97.5% quantiles) of the whole
    /// fleet's cumulative count of `quantities[q]`.
    pub fn fan(&self, q: usize) -> Vec<(Ticks, [f64; 5])> {
        let n = self.buckets();
        (0..n)
            .map(|b| {
                let mut v: Vec<f64> = self.series.iter().map(|s| s[q * n + b]).collect();
                v.sort_by(f64::total_cmp);
                let t = ((b as Ticks + 1) * self.bucket).min(self.horizon);
                let qs = [0.025, 0.25, 0.5, 0.75, 0.975].map(|p| quantile(&v, p));
                (t, qs)
            })
            .collect()
    }
}

/// Tallies [`Trace::Upkeep`] steps per quantity, group and bucket.
struct Tally<'a> {
    dep: &'a Deployment,
    /// Each fleet's first device, to find a device's fleet.
    first_device: Vec<u32>,
    bucket: Ticks,
    buckets: usize,
    groups: usize,
    /// `counts[(q · groups + g) · buckets + b]`, q over [`Quantity::ALL`].
    counts: Vec<f64>,
}

impl Tally<'_> {
    fn add(&mut self, q: Quantity, fleet: usize, b: usize, amount: f64) {
        let q = q as usize;
        for g in [fleet, self.groups - 1] {
            self.counts[(q * self.groups + g) * self.buckets + b] += amount;
        }
    }
}

impl Observer for Tally<'_> {
    fn observe(&mut self, now: Ticks, step: Trace) {
        let Trace::Upkeep {
            device,
            work,
            lasting,
        } = step
        else {
            return;
        };
        if work == Upkeep::CertExpired && now == 0 {
            // Expired on or before the inventory's date: not a coming expiry.
            return;
        }
        let fleet = self.first_device.partition_point(|&f| f <= device) - 1;
        let b = ((now / self.bucket.max(1)) as usize).min(self.buckets - 1);
        let hours = lasting as f64 / (3600.0 * TICKS_PER_SECOND as f64);
        let prices = self.dep.costs.as_ref().map(|c| (c, c.devices[fleet]));
        let (quantity, visit, price) = match work {
            Upkeep::Repair => (
                Quantity::Failures,
                true,
                prices.map_or(0.0, |(c, d)| c.repair_visit + d.parts),
            ),
            Upkeep::BatterySwap => (
                Quantity::BatterySwaps,
                true,
                prices.map_or(0.0, |(_, d)| d.battery_swap),
            ),
            Upkeep::BatteryDead => (Quantity::DeadBatteries, false, 0.0),
            Upkeep::Replacement => (
                Quantity::Replacements,
                true,
                prices.map_or(0.0, |(_, d)| d.hardware + d.install),
            ),
            Upkeep::CertExpired => (Quantity::CertExpiries, false, 0.0),
            Upkeep::FirmwareUpdate => (Quantity::FirmwareUpdates, false, 0.0),
        };
        self.add(quantity, fleet, b, 1.0);
        if visit {
            self.add(Quantity::TruckRolls, fleet, b, 1.0);
            self.add(Quantity::CrewHours, fleet, b, hours);
        }
        if price > 0.0 {
            self.add(Quantity::Cost, fleet, b, price);
        }
    }
}

/// The quantities `dep` can produce: failures and truck rolls always; the others when some
/// fleet has what makes them (a battery, planned replacement, certificates, prices).
fn quantities(dep: &Deployment) -> Vec<Quantity> {
    let any = |p: &dyn Fn(&crate::scenario::FleetSpec) -> bool| dep.fleets.iter().any(p);
    let swaps = any(&|f| f.life.battery.as_ref().is_some_and(|b| b.swap.is_some()));
    let dead = any(&|f| f.life.battery.as_ref().is_some_and(|b| b.swap.is_none()));
    Quantity::ALL
        .into_iter()
        .filter(|q| match q {
            Quantity::Failures | Quantity::TruckRolls | Quantity::CrewHours => true,
            Quantity::BatterySwaps => swaps,
            Quantity::DeadBatteries => dead,
            Quantity::Replacements => any(&|f| f.life.replace.is_some()),
            Quantity::CertExpiries => any(&|f| f.certificate.is_some()),
            Quantity::FirmwareUpdates => !dep.campaigns.is_empty(),
            Quantity::Cost => dep.costs.is_some(),
        })
        .collect()
}

/// The length of a series step: a day, or longer so a long horizon has at most 400 steps.
fn bucket_for(horizon: Ticks) -> Ticks {
    let days = horizon.div_ceil(DAY).div_ceil(400).max(1);
    days * DAY
}

/// Runs `opts.replications` futures of `dep` from its starting state (its inventory, if it
/// has one) to `opts.horizon` and tallies them. Replications run in parallel and come back in
/// replication order, so the forecast is the same whatever the thread count.
pub fn forecast(dep: &Deployment, opts: &Options) -> Result<Forecast, ConservationError> {
    let mut dep = dep.clone();
    dep.horizon = opts.horizon.max(1);
    dep.seed = opts.seed;
    dep.replications = opts.replications.max(1);
    let marks: Vec<Ticks> =
        opts.marks
            .iter()
            .map(|&m| m.min(dep.horizon))
            .fold(vec![], |mut v, m| {
                if !v.contains(&m) {
                    v.push(m);
                }
                v
            });
    let marks = if marks.is_empty() {
        vec![dep.horizon]
    } else {
        marks
    };
    let qs = quantities(&dep);
    let groups = dep.fleets.len() + 1;
    let bucket = bucket_for(dep.horizon);
    let buckets = dep.horizon.div_ceil(bucket) as usize;
    let mut first_device = Vec::with_capacity(dep.fleets.len());
    let mut next = 0u32;
    for f in &dep.fleets {
        first_device.push(next);
        next += f.count;
    }
    let rows: Vec<(Vec<f64>, Vec<f64>)> = (0..dep.replications as u64)
        .into_par_iter()
        .map(|r| {
            let tally = Tally {
                dep: &dep,
                first_device: first_device.clone(),
                bucket,
                buckets,
                groups,
                counts: vec![0.0; Quantity::ALL.len() * groups * buckets],
            };
            let (_, tally) = World::run_in_mode(&dep, r, tally, &|_| None, opts.flow)?;
            Ok(reduce(&tally, &qs, &marks))
        })
        .collect::<Result<_, ConservationError>>()?;
    let (cumulative, series) = rows.into_iter().unzip();
    let mut devices: Vec<u64> = dep.fleets.iter().map(|f| f.count as u64).collect();
    devices.push(dep.device_count());
    let mut names: Vec<String> = dep.fleets.iter().map(|f| f.id.clone()).collect();
    names.push("all".into());
    Ok(Forecast {
        scenario: dep.name.clone(),
        as_of: dep.inventory.as_ref().map(|i| i.as_of),
        seed: dep.seed,
        replications: dep.replications,
        horizon: dep.horizon,
        marks,
        groups: names,
        devices,
        quantities: qs,
        bucket,
        cumulative,
        series,
        currency: dep.costs.as_ref().map(|c| c.currency.clone()),
    })
}

/// One replication's tally reduced to the forecast's cumulative counts at the marks and the
/// whole fleet's cumulative series.
fn reduce(t: &Tally<'_>, qs: &[Quantity], marks: &[Ticks]) -> (Vec<f64>, Vec<f64>) {
    let mut cumulative = Vec::with_capacity(qs.len() * t.groups * marks.len());
    let mut series = Vec::with_capacity(qs.len() * t.buckets);
    for &q in qs {
        for g in 0..t.groups {
            let row = &t.counts[(q as usize * t.groups + g) * t.buckets..][..t.buckets];
            for &m in marks {
                // Buckets wholly before the mark (marks are whole buckets: days).
                let upto = (m.div_ceil(t.bucket) as usize).min(t.buckets);
                cumulative.push(row[..upto].iter().sum());
            }
            if g == t.groups - 1 {
                let mut sum = 0.0;
                for &x in row {
                    sum += x;
                    series.push(sum);
                }
            }
        }
    }
    (cumulative, series)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_between_order_statistics() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile(&v, 0.5), 3.0);
        assert_eq!(quantile(&v, 0.0), 1.0);
        assert_eq!(quantile(&v, 1.0), 5.0);
        assert!((quantile(&v, 0.975) - 4.9).abs() < 1e-12);
        assert!(quantile(&[], 0.5).is_nan());
    }

    #[test]
    fn a_long_horizon_has_at_most_400_steps() {
        assert_eq!(bucket_for(90 * DAY), DAY);
        assert_eq!(bucket_for(365 * DAY), DAY);
        assert_eq!(bucket_for(3 * 365 * DAY), 3 * DAY);
    }
}
