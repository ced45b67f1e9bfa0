//! Replications in parallel, reduced deterministically.
//!
//! Replication `r` depends only on (scenario, seed, r), so the thread count and the order in
//! which replications finish cannot change a result: rayon's indexed `collect` keeps them in
//! replication order, and every sum runs sequentially in that order.

pub mod budget;
pub mod check;
pub mod compare;
pub mod shard;
mod stats;
pub mod sweep;

pub use stats::{
    Estimate, PooledQuantile, estimate, exponential_mttf, pooled_quantile, t_quantile_975, wilson,
};

use rayon::prelude::*;

use crate::metrics::{self, Metric};
use crate::model::{ConservationError, World};
use crate::model::{CustomPolicies, Outcome, Silent};
use crate::scenario::Deployment;

/// How to run a study; `None` keeps the scenario's own value.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    pub replications: Option<u32>,
    pub seed: Option<u64>,
    /// Worker threads; `None` or `Some(0)` uses all cores (as `xz -T0` and rayon read 0).
    pub threads: Option<usize>,
    /// Packet mode, flow mode, or the automatic choice ([`resolve_mode`]).
    pub mode: Mode,
}

impl RunOptions {
    /// The worker threads a run starts at most: `threads`, or every core for `None` and 0.
    pub fn worker_threads(&self) -> usize {
        match self.threads {
            None | Some(0) => std::thread::available_parallelism().map_or(1, |n| n.get()),
            Some(n) => n,
        }
    }
}

/// How telemetry is simulated (invariant 4 in ARCHITECTURE.md).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Every message is simulated on its own.
    Packet,
    /// Messages between two state changes are accounted in aggregate.
    Flow,
    /// Flow mode where it is needed and can model everything in the scenario, else packet
    /// mode: see [`resolve_mode`].
    #[default]
    Auto,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Packet => "packet",
            Mode::Flow => "flow",
            Mode::Auto => "auto",
        }
    }
}

/// Packet-mode events per replication above which `auto` picks flow mode: about ten seconds
/// of packet mode on one core.
pub const AUTO_FLOW_EVENTS: f64 = 1e8;

/// Why flow mode cannot model `dep`, if it cannot. Batteries, planned replacement, sensor
/// degradation, certificates and firmware campaigns are per-device state changes that flow
/// mode accounts in aggregate (the share of device-time in each state); LoRa radios' duty
/// cycles and ALOHA collisions follow from the report law and the load on each channel group
/// (`model::world::flow::lora`); readings kept on devices (`buffer_messages`) are accounted
/// per blind window (`model::world::flow::kept`); fleets on their own SIMs keep each device's
/// failover as events and settle readings per cohort (`model::world::flow::cellular`). A
/// feature added to packet mode before flow mode models it is refused here, with the reason
/// `--mode flow` prints (exit 2) and `auto` falls back on.
pub fn flow_unsupported(dep: &Deployment) -> Option<String> {
    if let Some(reason) = lora_flow_unsupported(dep) {
        return Some(reason);
    }
    servers_flow_unsupported(dep).or_else(|| causes_flow_unsupported(dep))
}

/// Why flow mode cannot model `dep`'s common causes, if it cannot: a cause that takes down a
/// fleet's devices would move them between flow mode's per-fleet state counts, which it does
/// not yet do.
fn causes_flow_unsupported(dep: &Deployment) -> Option<String> {
    let c = dep.causes.iter().find(|c| !c.fleets.is_empty())?;
    Some(format!(
        "common cause \"{}\" takes down fleets' devices, which flow mode does not model yet; \
         run it in packet mode (`--mode packet`)",
        c.id
    ))
}

/// Why flow mode cannot model `dep`'s servers, if it cannot: its fluid server is one channel
/// (M/G/1 waits, M/G/1/1 blocking), so gateways with several channels run in packet mode; and
/// it routes a fleet's traffic by home gateway, so pooled groups (a choice per message by the
/// members' queues or turns) do too.
fn servers_flow_unsupported(dep: &Deployment) -> Option<String> {
    let channels = dep.gateways.iter().find(|g| g.servers > 1).map(|g| {
        format!(
            "gateway \"{}\" serves on {} channels, and flow mode's fluid server has one; run it \
             in packet mode (`--mode packet`)",
            g.id, g.servers
        )
    });
    let pooled = || {
        let pooled = dep
            .groups
            .iter()
            .find(|g| g.pool != crate::scenario::Pool::Home);
        pooled.map(|g| {
            format!(
                "redundancy group \"{}\" pools its gateways ({:?}), a choice per message that \
                 flow mode does not model; run it in packet mode (`--mode packet`)",
                g.id, g.pool
            )
        })
    };
    channels.or_else(pooled)
}

/// Why flow mode cannot model `dep`'s LoRa radios, if it cannot: slotted access, placement
/// (range, spreading factors by distance) and capture need each frame's slot, link and power,
/// which flow mode's aggregate accounting (`model::world::flow::lora`) does not keep.
fn lora_flow_unsupported(dep: &Deployment) -> Option<String> {
    let f = dep
        .fleets
        .iter()
        .find(|f| f.lora.is_some_and(|l| !l.flow_models()))?;
    Some(format!(
        "fleet \"{}\" uses slotted LoRa access, a placement, spreading factors by distance or \
         capture, which flow mode does not model (each frame's slot, link and power count); run \
         it in packet mode (`--mode packet`)",
        f.id
    ))
}

/// The mode a study runs in. `Packet` and `Flow` are taken as asked (`Flow` fails with the
/// reason when [`flow_unsupported`]); `Auto` is flow mode when packet mode would handle more
/// than [`AUTO_FLOW_EVENTS`] events per replication and flow mode can model the scenario,
/// else packet mode.
pub fn resolve_mode(dep: &Deployment, asked: Mode) -> Result<Mode, String> {
    match asked {
        Mode::Packet => Ok(Mode::Packet),
        Mode::Flow => match flow_unsupported(dep) {
            None => Ok(Mode::Flow),
            Some(reason) => Err(reason),
        },
        Mode::Auto => Ok(
            if flow_unsupported(dep).is_none() && events_needed(dep) > AUTO_FLOW_EVENTS {
                Mode::Flow
            } else {
                Mode::Packet
            },
        ),
    }
}

/// The result of a study: per-replication values and their estimates.
#[derive(Clone, Debug)]
pub struct Summary {
    pub scenario: String,
    /// The scenario's own description, for reports.
    pub description: String,
    pub seed: u64,
    pub replications: u32,
    /// The mode the replications ran in (never `Auto`).
    pub mode: Mode,
    pub horizon: u64,
    /// The scenario's warm-up (0 without one): every metric is measured after it; charts over
    /// time mark it.
    pub warmup: u64,
    pub deadline: u64,
    /// One row per replication, in replication order; columns follow [`Summary::metrics`].
    pub per_replication: Vec<Vec<f64>>,
    /// What each replication measured beyond its metrics, for charts.
    pub extras: Vec<Extras>,
    /// The metrics, in column order.
    pub metrics: Vec<Metric>,
    pub estimates: Vec<Estimate>,
    /// The scenario's `expect` assertions judged on these estimates, in the order written.
    pub verdicts: Vec<check::Judgement>,
    /// The 95th percentile of every interruption's time to recover, pooled over replications,
    /// in seconds (`None` when nothing was interrupted). Unlike the `ttr_p95_s` metric, which
    /// averages each replication's own percentile over the replications that had any, every
    /// recovery counts once.
    pub recovery_p95: Option<PooledQuantile>,
}

impl Summary {
    pub fn metrics(&self) -> impl Iterator<Item = (&Metric, &Estimate)> {
        self.metrics.iter().zip(&self.estimates)
    }

    /// Column of metric `id`.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.metrics.iter().position(|m| m.id == id)
    }

    pub fn estimate(&self, id: &str) -> Option<&Estimate> {
        self.index_of(id).map(|i| &self.estimates[i])
    }
}

/// A replication broke an invariant: a bug, reported with what reproduces it.
/// What one replication measured beyond its metric values, kept for reports and charts.
#[derive(Clone, Debug, PartialEq)]
pub struct Extras {
    /// Per slice of the horizon ([`crate::model::SERIES_SLICES`]): messages generated in it
    /// and those of them delivered on time.
    pub series: Vec<[u64; 2]>,
    /// Lengths of the interruptions of fleets' paths to the cloud, in seconds.
    pub interruptions_s: Vec<f64>,
    /// Random device and gateway failures (each a repair, e.g. a truck roll).
    pub device_failures: u64,
    pub gateway_failures: u64,
    /// Messages handed to each carrier (scenario order).
    pub carrier_messages: Vec<u64>,
    /// Per slice of the horizon: devices failing for the first time in it.
    pub first_failures: Vec<u64>,
    /// Devices in the deployment, for survival shares.
    pub devices: u64,
    /// Per slice of the horizon: battery-powered devices whose battery ran flat for the first
    /// time in it (empty without batteries).
    pub battery_first_depletions: Vec<u64>,
    /// Devices in fleets with batteries, for battery survival shares.
    pub battery_devices: u64,
}

impl From<&Outcome> for Extras {
    fn from(o: &Outcome) -> Extras {
        Extras {
            series: o.series.clone(),
            interruptions_s: o.recoveries.iter().map(|&t| t as f64 / 1e6).collect(),
            device_failures: o.device_failures,
            gateway_failures: o.gateway_failures,
            carrier_messages: o.carrier_messages.clone(),
            first_failures: o.first_failures.clone(),
            devices: 0,
            battery_first_depletions: o.life.first_depletions.clone(),
            battery_devices: 0,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("replication {replication} (seed {seed}): {source}")]
    Invariant {
        replication: u64,
        seed: u64,
        source: ConservationError,
    },
    #[error("cannot start {threads} worker threads: {message}")]
    Threads { threads: usize, message: String },
    /// A finished replication could not be recorded (see [`shard::run_replications`]).
    #[error("replication {replication} could not be recorded: {message}")]
    Record { replication: u64, message: String },
    #[error("flow mode cannot run this scenario: {0}")]
    FlowUnsupported(String),
}

/// Bytes one replication holds per device in packet mode: measured 84 at a million devices on
/// the peer model (BENCHMARKS.md, Memory), which keeps two events pending per device; kept at
/// more than twice that because scenarios with lifecycle clocks, degradation and retries keep
/// more pending, and refusing a run that would have fitted costs less than running out.
pub const BYTES_PER_DEVICE: u64 = 200;
/// Bytes of one message held in a gateway or device buffer.
pub const BYTES_PER_BUFFERED_MESSAGE: u64 = 24;
/// Bytes one flow-mode replication holds per device: the device, its lifecycle and degradation
/// state and its pending failure, repair or degradation events (no report events). Measured
/// 188 at a million devices with degradation (BENCHMARKS.md), rounded up for margin.
pub const FLOW_BYTES_PER_DEVICE: u64 = 220;

/// As [`memory_needed`], for the mode the study will run in. Flow mode keeps buffers as a
/// few chunks, not messages, and tabulates each fleet's latency per gateway uplink.
pub fn memory_needed_in(dep: &Deployment, concurrent: u64, mode: Mode) -> u64 {
    if mode != Mode::Flow {
        return memory_needed(dep, concurrent);
    }
    let tables: u64 = dep
        .fleets
        .iter()
        .map(|f| {
            let members = &dep.groups[f.group].members;
            members
                .iter()
                .map(|&g| dep.gateways[g].uplinks.len() as u64 * 8 * 1024 + 4096)
                .sum::<u64>()
        })
        .sum();
    let per_replication = dep
        .device_count()
        .saturating_mul(FLOW_BYTES_PER_DEVICE)
        .saturating_add(tables)
        .saturating_add(dep.gateways.len() as u64 * 64 * 1024);
    per_replication.saturating_mul(concurrent.max(1))
}

/// As [`events_needed`], for the mode the study will run in. Flow mode schedules no message
/// events: its events are failures and repairs of devices and gateways, carrier and common
/// cause outages, scripted faults and the failover timers they set off (counted as two per
/// gateway using the carrier per outage), each followed by the settling of the fleets it
/// touches.
pub fn events_needed_in(dep: &Deployment, mode: Mode) -> f64 {
    if mode != Mode::Flow {
        return events_needed(dep);
    }
    let horizon = dep.horizon as f64;
    let cycles = |l: &crate::scenario::FailureSpec| {
        2.0 * horizon / (l.lifetime.mean() + l.repair.mean()).max(1.0)
    };
    let devices: f64 = dep
        .fleets
        .iter()
        .map(|f| {
            f.failure
                .as_ref()
                .map_or(0.0, |l| f.count as f64 * cycles(l))
        })
        .sum();
    let gateways: f64 = dep
        .gateways
        .iter()
        .map(|g| g.failure.as_ref().map_or(0.0, cycles))
        .sum::<f64>()
        * 3.0;
    let carriers: f64 = dep
        .carriers
        .iter()
        .enumerate()
        .map(|(c, spec)| {
            let users = dep
                .gateways
                .iter()
                .filter(|g| g.uplinks.iter().any(|u| u.carrier == c))
                .count() as f64;
            spec.outages
                .as_ref()
                .map_or(0.0, |l| cycles(l) * (1.0 + 2.0 * users))
        })
        .sum();
    let causes: f64 = dep
        .causes
        .iter()
        .map(|c| cycles(&c.outages) * (1.0 + 2.0 * dep.gateways.len() as f64))
        .sum();
    devices
        + gateways
        + carriers
        + causes
        + 2.0 * dep.faults.len() as f64
        + 1.0
        + own_sims_events(dep)
}

/// Flow-mode events of fleets on their own SIMs: each device's own failover timers per outage
/// of a network its SIM uses (detection, switch, switch back: three, the eSIM case; a single
/// SIM has two), and a moving device's moves (one per mean dwell).
fn own_sims_events(dep: &Deployment) -> f64 {
    let horizon = dep.horizon as f64;
    dep.fleets
        .iter()
        .filter_map(|f| Some((f, f.cellular.as_ref()?)))
        .map(|(f, cell)| {
            let mut used: Vec<usize> = match &cell.regional {
                Some(r) => r.networks.iter().flatten().flatten().copied().collect(),
                None => cell.profiles.clone(),
            };
            used.sort_unstable();
            used.dedup();
            let outages: f64 = used
                .iter()
                .filter_map(|&c| dep.carriers[c].outages.as_ref())
                .map(|l| horizon / (l.lifetime.mean() + l.repair.mean()).max(1.0))
                .sum();
            let moves = match cell.regional.as_ref().map(|r| &r.placement) {
                Some(crate::scenario::Placement::Markov { dwell, .. }) => {
                    let mean = dwell.iter().map(|d| d.mean()).sum::<f64>() / dwell.len() as f64;
                    horizon / mean.max(1.0)
                }
                _ => 0.0,
            };
            f.count as f64 * (3.0 * outages + moves)
        })
        .sum()
}
/// Peak memory a study will need with `concurrent` replications in flight at once: devices and
/// their pending events, plus every buffer filled to capacity (the worst case an outage can
/// cause) — or with every message its fleets generate over the horizon, if that is fewer, so
/// that a buffer written as practically unbounded costs only what it can hold.
pub fn memory_needed(dep: &Deployment, concurrent: u64) -> u64 {
    let horizon = dep.horizon as f64;
    let generated = |f: &crate::scenario::FleetSpec| {
        (f.count as f64 * horizon / f.report.mean().max(1.0)).ceil() as u64
    };
    let gateway_buffers: u64 = dep
        .gateways
        .iter()
        .enumerate()
        .map(|(g, spec)| {
            let offered: u64 = dep
                .fleets
                .iter()
                .filter(|f| dep.groups[f.group].members.contains(&g))
                .map(generated)
                .fold(0, u64::saturating_add);
            spec.buffer_messages.min(offered)
        })
        .fold(0, u64::saturating_add);
    let device_buffers: u64 = dep
        .fleets
        .iter()
        .map(|f| (f.buffer_messages.saturating_mul(f.count as u64)).min(generated(f)))
        .fold(0, u64::saturating_add);
    let buffers = gateway_buffers
        .saturating_add(device_buffers)
        .saturating_mul(BYTES_PER_BUFFERED_MESSAGE);
    let per_replication = dep
        .device_count()
        .saturating_mul(BYTES_PER_DEVICE)
        .saturating_add(buffers);
    per_replication.saturating_mul(concurrent.max(1))
}

/// Events one replication of `dep` handles, roughly: per message an emission and an arrival,
/// plus a service completion where gateways have a capacity limit and a channel release on
/// LoRa; per device failure a failure and a repair. Used to tell a user before a long run
/// how long it will take.
pub fn events_needed(dep: &Deployment) -> f64 {
    let horizon = dep.horizon as f64;
    dep.fleets
        .iter()
        .map(|f| {
            let messages = f.count as f64 * horizon / f.report.mean().max(1.0);
            let served = dep.groups[f.group]
                .members
                .iter()
                .any(|&g| dep.gateways[g].has_capacity_limit());
            let per_message = 2.0 + served as u8 as f64 + f.lora.is_some() as u8 as f64;
            let failures = f.failure.as_ref().map_or(0.0, |l| {
                2.0 * f.count as f64 * horizon / (l.lifetime.mean() + l.repair.mean()).max(1.0)
            });
            messages * per_message + failures
        })
        .sum()
}

/// Events per second one thread handles (BENCHMARKS.md: 14–20 M on the shipped scenarios,
/// about 6 M at 100,000 devices where the queue leaves the cache), taken low for a cautious
/// estimate.
pub const EVENTS_PER_SECOND_PER_THREAD: f64 = 8e6;

/// Runs every replication of `dep` and summarises them. `on_done` is called once per finished
/// replication, from whichever thread ran it (for progress bars).
pub fn run(
    dep: &Deployment,
    opts: &RunOptions,
    on_done: &(dyn Fn() + Sync),
) -> Result<Summary, RunError> {
    run_with_policies(dep, opts, on_done, &|_| None)
}

/// As [`run`], with failover policies from `custom` wherever it returns one (see
/// [`crate::model::World::with_policies`]).
pub fn run_with_policies(
    dep: &Deployment,
    opts: &RunOptions,
    on_done: &(dyn Fn() + Sync),
    custom: CustomPolicies<'_>,
) -> Result<Summary, RunError> {
    let dep = with_options(dep, opts);
    let mode = resolve_mode(&dep, opts.mode).map_err(RunError::FlowUnsupported)?;
    let rows = replicate(
        &dep,
        0..dep.replications as u64,
        mode,
        opts,
        on_done,
        custom,
    )?;
    Ok(summarise(&dep, mode, rows))
}

/// A target for sequential runs: replications are added until the 95% CI half-width of
/// `metric` is at most `half_width` (in the metric's unit; ratios as fractions), or
/// `max_replications` have run.
#[derive(Clone, Debug)]
pub struct Precision {
    pub metric: String,
    pub half_width: f64,
    pub max_replications: u32,
}

/// Runs `opts`'s replications (at least two), then keeps adding replications — doubling the
/// count each round, reusing every replication already run — until `target` is met or its
/// maximum is reached. Replication k is the same world whatever the rounds, so the result is
/// exactly that of a plain run with the final count. `on_round` hears the count about to run.
pub fn run_until_precise(
    dep: &Deployment,
    opts: &RunOptions,
    target: &Precision,
    on_done: &(dyn Fn() + Sync),
    on_round: &dyn Fn(u32),
) -> Result<Summary, RunError> {
    let mut dep = with_options(dep, opts);
    let max = target.max_replications.max(2);
    let mut wanted = dep.replications.clamp(2, max);
    let mode = resolve_mode(&dep, opts.mode).map_err(RunError::FlowUnsupported)?;
    let mut rows = vec![];
    loop {
        on_round(wanted);
        let more = replicate(
            &dep,
            rows.len() as u64..wanted as u64,
            mode,
            opts,
            on_done,
            &|_| None,
        )?;
        rows.extend(more);
        dep.replications = wanted;
        let summary = summarise(&dep, mode, rows.clone());
        let precise = summary
            .estimate(&target.metric)
            .and_then(|e| e.half_width)
            .is_some_and(|h| h <= target.half_width);
        if precise || wanted >= max {
            return Ok(summary);
        }
        wanted = wanted.saturating_mul(2).min(max);
    }
}

/// `dep` with the run's seed and replication count applied.
fn with_options(dep: &Deployment, opts: &RunOptions) -> Deployment {
    let mut dep = dep.clone();
    if let Some(seed) = opts.seed {
        dep.seed = seed;
    }
    dep.replications = opts.replications.unwrap_or(dep.replications).max(1);
    dep
}

/// Runs replications `range` of `dep` in parallel; rows come back in replication order.
fn replicate(
    dep: &Deployment,
    range: std::ops::Range<u64>,
    mode: Mode,
    opts: &RunOptions,
    on_done: &(dyn Fn() + Sync),
    custom: CustomPolicies<'_>,
) -> Result<Vec<(Vec<f64>, Extras)>, RunError> {
    let reps: Vec<u64> = range.collect();
    replicate_recorded(dep, &reps, mode, opts, on_done, custom, &|_, _| Ok(()))
}

/// One replication's metric values and extras.
type Row = (Vec<f64>, Extras);

/// Runs replications `reps` of `dep` in `mode` in parallel; rows come back in the order of
/// `reps`. `record` hears each row as soon as its replication finishes (before `on_done`),
/// from whichever thread ran it; an error from it stops the run.
fn replicate_recorded(
    dep: &Deployment,
    reps: &[u64],
    mode: Mode,
    opts: &RunOptions,
    on_done: &(dyn Fn() + Sync),
    custom: CustomPolicies<'_>,
    record: &(dyn Fn(u64, &Row) -> Result<(), String> + Sync),
) -> Result<Vec<Row>, RunError> {
    let work = || -> Result<Vec<Row>, RunError> {
        reps.par_iter()
            .map(|&r| {
                let flow = mode == Mode::Flow;
                let outcome = World::run_in_mode(dep, r, Silent, custom, flow)
                    .map(|(o, _)| o)
                    .map_err(|source| RunError::Invariant {
                        replication: r,
                        seed: dep.seed,
                        source,
                    });
                let row = outcome.map(|o| {
                    let extras = Extras {
                        devices: dep.device_count(),
                        battery_devices: dep
                            .fleets
                            .iter()
                            .filter(|f| f.life.battery.is_some())
                            .map(|f| f.count as u64)
                            .sum(),
                        ..Extras::from(&o)
                    };
                    (metrics::values(dep, &o), extras)
                })?;
                record(r, &row).map_err(|message| RunError::Record {
                    replication: r,
                    message,
                })?;
                on_done();
                Ok(row)
            })
            .collect()
    };
    match opts.threads.filter(|&n| n != 0) {
        None => work(),
        Some(threads) => rayon::ThreadPoolBuilder::new()
            // More workers than replications would only idle, and a count from the command
            // line such as `-t 18446744073709551615` would spawn threads until the system
            // refused (minutes); results do not depend on the count.
            .num_threads(threads.clamp(1, reps.len().max(1)))
            .build()
            .map_err(|e| RunError::Threads {
                threads,
                message: e.to_string(),
            })?
            .install(work),
    }
}

/// The summary of `rows`, one per replication in order.
fn summarise(dep: &Deployment, mode: Mode, rows: Vec<(Vec<f64>, Extras)>) -> Summary {
    let (per_replication, extras): (Vec<Vec<f64>>, Vec<Extras>) = rows.into_iter().unzip();
    let metrics = metrics::catalog(dep);
    // A metric undefined in a replication (NaN) is estimated over the others.
    let column = |m: usize| per_replication.iter().map(move |row: &Vec<f64>| row[m]);
    let mut estimates: Vec<Estimate> = metrics
        .iter()
        .enumerate()
        .map(|(m, metric)| {
            let values = column(m).filter(|v| !v.is_nan());
            if metrics::is_share_of_replications(&metric.id) {
                stats::wilson(values)
            } else {
                estimate(values)
            }
        })
        .collect();
    let index = |id: &str| metrics.iter().position(|m| m.id == id);
    if let (Some(mttf), Some(times), Some(failed)) = (
        index(metrics::MTTF_CENSORED),
        index(metrics::TIME_ON_TEST),
        index(metrics::FAILED),
    ) {
        let times: Vec<f64> = column(times).collect();
        let failed: Vec<f64> = column(failed).collect();
        estimates[mttf] = stats::exponential_mttf(&times, &failed);
    }
    let recoveries: Vec<Vec<f64>> = extras.iter().map(|e| e.interruptions_s.clone()).collect();
    let mut summary = Summary {
        scenario: dep.name.clone(),
        description: dep.description.clone(),
        seed: dep.seed,
        replications: per_replication.len() as u32,
        mode,
        horizon: dep.horizon,
        warmup: dep.warmup,
        deadline: dep.deadline,
        per_replication,
        extras,
        metrics,
        estimates,
        verdicts: vec![],
        recovery_p95: pooled_quantile(&recoveries, 0.95, dep.seed),
    };
    summary.verdicts = check::judge(dep, &summary);
    summary
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The estimate matches what the factory measures (9.05 M events per replication, counted
    /// in its summary.json) to within a tenth.
    #[test]
    fn the_event_estimate_matches_the_factory() {
        let dep = crate::scenario::compile_source(
            crate::scenario::DEFAULT_SCENARIO,
            crate::scenario::DEFAULT_SCENARIO_NAME,
        )
        .expect("the built-in scenario compiles");
        let estimate = events_needed(&dep);
        assert!((estimate / 9.05e6 - 1.0).abs() < 0.1, "{estimate}");
    }
}
