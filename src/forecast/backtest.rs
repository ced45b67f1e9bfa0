//! Back-testing a forecast against what happened: for each window `[T0, T1)`, the field
//! records are cut at T0 (what was known then), the failure and repair laws are fitted on
//! them (`iotwin fit`'s maximum likelihood), the fleet as it stood at T0 is rebuilt from the
//! same records, the simulator forecasts T0 → T1 from that state ([`super::forecast`]), and
//! the failures recorded in the window are compared with the forecast's 95% prediction
//! interval. Over many windows, the share of windows whose observed count lies in its
//! interval is the forecast's **calibration**: near 0.95 when the twin is right.
//!
//! Only what the records can observe is back-tested: failures per fleet (and in all).
//! Carriers' outage laws, batteries and certificates keep the scenario's own.

use std::collections::BTreeMap;

use super::{DAY, Figure, Options as ForecastOptions, forecast};
use crate::engine::{DurationDist, TICKS_PER_SECOND, Ticks};
use crate::fit::law::{Family, Law};
use crate::fit::records::{Kind, Record};
use crate::fit::{self, PopulationFit, sample};
use crate::scenario::inventory::{
    DeviceState, FleetFacts, Installed, InventoryDevice, Versions, start_of,
};
use crate::scenario::{Deployment, FailureSpec};

/// How to back-test.
#[derive(Clone, Debug)]
pub struct Options {
    /// Window starts (µs since 1970), each followed by `window`.
    pub starts: Vec<i64>,
    pub window: Ticks,
    pub replications: u32,
    pub seed: u64,
}

/// One window's outcome per group (each fleet of the scenario, then "all").
#[derive(Clone, Debug)]
pub struct WindowResult {
    pub start: i64,
    pub end: i64,
    /// Failures recorded in the window, per group.
    pub observed: Vec<f64>,
    /// The forecast's failures per group.
    pub predicted: Vec<Figure>,
    /// The laws fitted on the records before the window, per fleet (lifetime, repair).
    pub laws: Vec<(Law, Law)>,
}

/// A back-test: every window, and the calibration over them.
#[derive(Clone, Debug)]
pub struct Backtest {
    pub scenario: String,
    pub groups: Vec<String>,
    pub replications: u32,
    pub window: Ticks,
    pub windows: Vec<WindowResult>,
}

impl Backtest {
    /// Windows whose observed count of group `g` lies in its 95% prediction interval, and
    /// the number of windows.
    pub fn coverage(&self, g: usize) -> (usize, usize) {
        let covered = self
            .windows
            .iter()
            .filter(|w| w.predicted[g].covers(w.observed[g]))
            .count();
        (covered, self.windows.len())
    }

    /// The mean over windows of observed minus forecast mean in group `g`: near 0 when the
    /// forecast is unbiased.
    pub fn mean_prediction_error(&self, g: usize) -> f64 {
        let n = self.windows.len().max(1) as f64;
        self.windows
            .iter()
            .map(|w| w.observed[g] - w.predicted[g].mean.mean)
            .sum::<f64>()
            / n
    }
}

/// The records as they stood at `t0`: lives that began before it, a failure after it turned
/// into a life still running at `t0`, repairs that had ended by then, and those under way at
/// `t0` as repairs still open (censored there). Outage rows are left out (the back-test
/// forecasts device failures).
pub fn records_before(records: &[Record], t0: i64) -> Vec<Record> {
    let failed_at: BTreeMap<&str, i64> = records
        .iter()
        .filter(|r| r.kind == Kind::Failure)
        .filter_map(|r| Some((r.unit.as_str(), r.at?)))
        .collect();
    let mut out = vec![];
    for r in records {
        match r.kind {
            Kind::Failure | Kind::StillRunning => {
                let (Some(installed), Some(at)) = (r.installed, r.at) else {
                    continue;
                };
                if installed >= t0 || r.window_start.is_some_and(|w| w >= t0) {
                    continue;
                }
                let mut r = r.clone();
                if r.kind == Kind::StillRunning || at > t0 {
                    r.kind = Kind::StillRunning;
                    r.at = Some(t0);
                }
                out.push(r);
            }
            Kind::Repair => {
                let seconds = r.duration.map_or(0, |d| d.ticks() / TICKS_PER_SECOND) as i64;
                match failed_at.get(r.unit.as_str()) {
                    Some(&at) if at + seconds * 1_000_000 <= t0 => out.push(r.clone()),
                    // Under way at T0: a repair known to last at least until then.
                    Some(&at) if at < t0 => out.push(Record {
                        kind: Kind::InRepair,
                        at: Some(at),
                        end: Some(t0),
                        duration: None,
                        ..r.clone()
                    }),
                    _ => {}
                }
            }
            Kind::InRepair => {
                if let Some(at) = r.at.filter(|&at| at < t0) {
                    out.push(Record {
                        end: r.end.map(|e| e.min(t0)),
                        at: Some(at),
                        ..r.clone()
                    });
                }
            }
            Kind::Outage | Kind::StillUp | Kind::StillDown => {}
        }
    }
    out
}

/// The fleet at `t0` as the records show it: each life running at `t0` is a device up since
/// its installation; a unit that failed before `t0` and whose repair (the record of its
/// unit) was still going on is a device in repair since its failure.
pub fn inventory_at(records: &[Record], t0: i64) -> Vec<InventoryDevice> {
    let repair_of: BTreeMap<&str, Ticks> = records
        .iter()
        .filter(|r| r.kind == Kind::Repair)
        .filter_map(|r| Some((r.unit.as_str(), r.duration?.ticks())))
        .collect();
    let mut devices = vec![];
    for r in records {
        let (Some(installed), Some(at)) = (r.installed, r.at) else {
            continue;
        };
        if !matches!(r.kind, Kind::Failure | Kind::StillRunning) || installed >= t0 {
            continue;
        }
        let running = r.kind == Kind::StillRunning || at > t0;
        let in_repair = r.kind == Kind::Failure
            && at <= t0
            && repair_of
                .get(r.unit.as_str())
                .is_some_and(|&d| at + d as i64 > t0);
        if !(running || in_repair) {
            continue;
        }
        devices.push(InventoryDevice {
            id: r.unit.clone(),
            fleet: r.group.clone(),
            site: None,
            installed: Installed::At(installed),
            battery: None,
            firmware: None,
            cert_expiry: None,
            carrier: None,
            state: if running {
                DeviceState::Up
            } else {
                DeviceState::InRepair
            },
            state_since: (!running).then_some(at),
            line: r.origin.line,
        });
    }
    devices
}

/// A fitted law as the simulator's distribution (times in seconds to ticks); `None` for a
/// law the simulator has no form of (gamma).
pub fn dist_of(law: &Law) -> Option<DurationDist> {
    let ticks = |s: f64| (s * TICKS_PER_SECOND as f64).round().max(1.0) as Ticks;
    let p = &law.params;
    match law.family {
        Family::Exponential => DurationDist::exponential(ticks(p[0])).ok(),
        Family::Weibull => DurationDist::weibull(p[0], ticks(p[1])).ok(),
        Family::LogNormal => DurationDist::lognormal(ticks(p[0]), p[1]).ok(),
        Family::Gamma => None,
    }
}

/// The best law by AIC the simulator can run, of a population's fit.
fn best_law(fit: &PopulationFit) -> Option<Law> {
    fit.fits
        .iter()
        .map(|f| &f.estimate.law)
        .find(|l| dist_of(l).is_some())
        .cloned()
}

/// Fits each fleet's lifetime and repair laws on `records`.
fn fitted_laws(dep: &Deployment, records: &[Record], seed: u64) -> Result<Vec<(Law, Law)>, String> {
    let samples = sample::samples(records).map_err(|e| e.to_string())?;
    let options = fit::Options {
        families: vec![Family::Exponential, Family::Weibull, Family::LogNormal],
        resamples: 0,
        seed,
    };
    let fits = fit::fit_samples(samples, &options);
    dep.fleets
        .iter()
        .map(|f| {
            let law = |p: sample::Population| {
                fits.iter()
                    .find(|x| x.sample.population == p)
                    .and_then(best_law)
                    .ok_or_else(|| {
                        format!("fleet `{}`: too few records to fit its {}", f.id, p.label())
                    })
            };
            Ok((
                law(sample::Population::Lifetime(f.id.clone()))?,
                law(sample::Population::Repair(f.id.clone()))?,
            ))
        })
        .collect()
}

/// Back-tests `dep` (its structure: fleets, sites, gateways; its batteries, certificates and
/// carriers as written) against `records` over `opts`' windows.
pub fn backtest(dep: &Deployment, records: &[Record], opts: &Options) -> Result<Backtest, String> {
    let mut groups: Vec<String> = dep.fleets.iter().map(|f| f.id.clone()).collect();
    groups.push("all".into());
    let mut windows = vec![];
    for &t0 in &opts.starts {
        let t1 = t0 + opts.window as i64;
        let known = records_before(records, t0);
        let laws = fitted_laws(dep, &known, opts.seed)?;
        let mut at_t0 = dep.clone();
        for (f, (life, repair)) in at_t0.fleets.iter_mut().zip(&laws) {
            f.failure = Some(FailureSpec {
                lifetime: dist_of(life).ok_or("unreachable: best_law is runnable")?,
                repair: dist_of(repair).ok_or("unreachable: best_law is runnable")?,
                // The fleet as it stood at T0 comes from the inventory, not a steady state.
                steady: None,
            });
        }
        // The records name no sites or carriers: each fleet takes its devices by its id.
        let facts: Vec<FleetFacts<'_>> = dep
            .fleets
            .iter()
            .map(|f| FleetFacts {
                id: &f.id,
                listed_as: &f.id,
                site: &dep.sites[f.site],
                carriers: &[],
                cellular: f.cellular.is_some(),
                battery: f.life.battery.is_some(),
                certificate: f.certificate.is_some(),
                repairs: true,
                campaigns: dep.campaigns.iter().any(|c| dep.fleets[c.fleet].id == f.id),
            })
            .collect();
        let mut versions = Versions::from_names(&dep.firmware_versions);
        let start = start_of(&inventory_at(records, t0), t0, &facts, &mut versions)
            .map_err(|e| e.to_string())?;
        at_t0.firmware_versions = versions.names;
        for (i, f) in at_t0.fleets.iter_mut().enumerate() {
            f.count = start.count(i).unwrap_or(0);
        }
        at_t0.inventory = Some(start);
        let fopts = ForecastOptions {
            horizon: opts.window,
            marks: vec![opts.window],
            replications: opts.replications,
            seed: opts.seed,
            flow: true,
        };
        let fc = forecast(&at_t0, &fopts).map_err(|e| e.to_string())?;
        let q = 0; // failures are always the first quantity
        let predicted: Vec<Figure> = (0..groups.len()).map(|g| fc.figure(q, g, 0)).collect();
        let mut observed = vec![0.0; groups.len()];
        for r in records.iter().filter(|r| r.kind == Kind::Failure) {
            if r.at.is_some_and(|at| t0 <= at && at < t1)
                && let Some(g) = groups.iter().position(|g| *g == r.group)
            {
                observed[g] += 1.0;
                observed[groups.len() - 1] += 1.0;
            }
        }
        windows.push(WindowResult {
            start: t0,
            end: t1,
            observed,
            predicted,
            laws,
        });
    }
    Ok(Backtest {
        scenario: dep.name.clone(),
        groups,
        replications: opts.replications,
        window: opts.window,
        windows,
    })
}

/// Window starts from `from` every `every` while a whole window fits before `to`.
pub fn starts(from: i64, to: i64, every: Ticks, window: Ticks) -> Vec<i64> {
    let mut out = vec![];
    let mut t = from;
    while t + window as i64 <= to && every > 0 {
        out.push(t);
        t += every as i64;
    }
    out
}

/// The default window: 90 days.
pub const DEFAULT_WINDOW: Ticks = 90 * DAY;

/// Text of the calibration table (Markdown).
pub fn calibration_md(b: &Backtest) -> String {
    let mut md = String::from(
        "| group | windows | observed in 95% interval | share | mean observed − mean forecast |\n|---|---:|---:|---:|---:|\n",
    );
    for (g, group) in b.groups.iter().enumerate() {
        let (covered, n) = b.coverage(g);
        md.push_str(&format!(
            "| {} | {n} | {covered} | {:.2} | {:+.1} |\n",
            crate::report::markdown::escape(group),
            covered as f64 / n.max(1) as f64,
            b.mean_prediction_error(g)
        ));
    }
    md
}

/// The files of a back-test: `backtest.csv` (a row per window and group), `backtest.md`.
pub fn files(b: &Backtest) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    use crate::scenario::table::show_time;
    let mut csv = String::from(
        "window_start,window_end,group,observed,forecast_mean,pi95_low,pi95_high,covered\n",
    );
    let mut md = format!(
        "# Back-test: {}\n\nEach window: laws fitted on the records before it, the fleet \
         rebuilt as it stood at its start, {} futures simulated over {} days; the failures \
         recorded in it against the forecast's 95% prediction interval.\n\n## Calibration\n\n{}\n\
         ## Windows\n\n| start | group | observed | forecast (95% interval) | in |\n|---|---|---:|---:|---|\n",
        crate::report::markdown::escape(&b.scenario),
        b.replications,
        b.window / DAY,
        calibration_md(b)
    );
    for w in &b.windows {
        for (g, group) in b.groups.iter().enumerate() {
            let p = &w.predicted[g];
            let covered = p.covers(w.observed[g]);
            csv.push_str(&format!(
                "{},{},{},{},{},{},{},{}\n",
                show_time(w.start),
                show_time(w.end),
                crate::report::csv_text(group),
                w.observed[g],
                p.mean.mean,
                p.low,
                p.high,
                covered
            ));
            md.push_str(&format!(
                "| {} | {} | {} | {:.1} ({}–{}) | {} |\n",
                show_time(w.start),
                crate::report::markdown::escape(group),
                w.observed[g],
                p.mean.mean,
                super::report::number(p.low),
                super::report::number(p.high),
                if covered { "yes" } else { "**no**" }
            ));
        }
    }
    vec![
        ("backtest.csv".into(), csv.into_bytes()),
        ("backtest.md".into(), md.into_bytes()),
    ]
}
