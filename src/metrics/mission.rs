//! Mission metrics, added when the scenario lists `mission_times`: the time to the first
//! system failure and the reliability R(t) at each mission time, for the deployment and per
//! site.
//!
//! A *system failure* is the first time, after the mission's start (the warm-up's end, or 0),
//! that a site loses a fleet's path to the cloud for a positive time: every gateway the fleet
//! may use is down or cut off (a redundancy group counts as down only when none of its members
//! carries the fleet). The deployment fails when its first site does. A switch-over that takes
//! no time is no failure. Each replication is one mission, so R(t) is the share of
//! replications without a failure before t, and its interval is the replications' Student-t
//! interval of that share (a 0/1 value per replication).

use crate::model::Outcome;
use crate::scenario::Deployment;

use super::{Better, Metric};

/// Whether `dep` asks for mission metrics.
pub fn has_mission_metrics(dep: &Deployment) -> bool {
    !dep.mission_times.is_empty()
}

/// A mission time in a metric id: a whole number of the largest unit that divides it, so
/// `"1y"` is `1y`, `"50h"` is `50h` (not `2d2h`) and `"1h 30m"` is `90m`.
fn label(t: &crate::engine::Duration) -> String {
    const UNITS: &[(&str, u64)] = &[
        ("y", 365 * 86_400_000_000),
        ("d", 86_400_000_000),
        ("h", 3_600_000_000),
        ("m", 60_000_000),
        ("s", 1_000_000),
        ("ms", 1_000),
    ];
    let ticks = t.ticks();
    UNITS
        .iter()
        .find(|(_, scale)| ticks.is_multiple_of(*scale))
        .map_or_else(
            || format!("{ticks}us"),
            |(unit, scale)| format!("{}{unit}", ticks / scale),
        )
}

fn metric(id: String, unit: &'static str, definition: String) -> Metric {
    let better = Better::of(&id);
    Metric {
        id,
        unit,
        definition,
        better,
    }
}

/// The mission metrics of `dep`, in report order (empty without `mission_times`).
pub fn catalog(dep: &Deployment) -> Vec<Metric> {
    if !has_mission_metrics(dep) {
        return vec![];
    }
    let mut all = vec![
        metric(
            "system_failure_share".into(),
            "ratio",
            "Share of replications in which a site lost a fleet's path to the cloud before the horizon (a system failure); below 1, the time to system failure is censored.".into(),
        ),
        metric(
            "time_to_system_failure_h".into(),
            "h",
            "Time from the mission's start to the first system failure (a site losing a fleet's path to the cloud), over the replications that saw one: the MTTF when every replication fails (system_failure_share = 1), an underestimate otherwise.".into(),
        ),
    ];
    for t in &dep.mission_times {
        all.push(metric(
            format!("reliability_at_{}", label(t)),
            "ratio",
            format!("Reliability R({t}): share of replications in which no site lost a fleet's path to the cloud within {t} of the mission's start."),
        ));
    }
    for site in &dep.sites {
        all.push(metric(
            format!("time_to_failure_h:{site}"),
            "h",
            format!("Time from the mission's start until a fleet at site \"{site}\" first lost its path to the cloud, over the replications where that happened."),
        ));
        for t in &dep.mission_times {
            all.push(metric(
                format!("reliability_at_{}:{site}", label(t)),
                "ratio",
                format!("Reliability of site \"{site}\" at {t}: share of replications in which no fleet at the site lost its path to the cloud within {t}."),
            ));
        }
    }
    all
}

/// The values of [`catalog`] for one replication, in the same order.
pub fn values(dep: &Deployment, o: &Outcome) -> Vec<f64> {
    if !has_mission_metrics(dep) {
        return vec![];
    }
    // What this replication observed: a mission longer than it ran (a fleet's end of life
    // stopped it) is undefined.
    let window = o.horizon.saturating_sub(o.measured_from);
    let hours = |t: Option<u64>| t.map_or(f64::NAN, |t| t as f64 / 3.6e9);
    let survives = |first: Option<u64>, t: u64| {
        if t > window {
            f64::NAN
        } else {
            f64::from(u8::from(first.is_none_or(|f| f >= t)))
        }
    };
    let system = o.site_first_failure.iter().flatten().copied().min();
    let mut v = vec![f64::from(u8::from(system.is_some())), hours(system)];
    v.extend(
        dep.mission_times
            .iter()
            .map(|t| survives(system, t.ticks())),
    );
    for &first in &o.site_first_failure {
        v.push(hours(first));
        v.extend(dep.mission_times.iter().map(|t| survives(first, t.ticks())));
    }
    v
}
