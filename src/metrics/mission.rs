//! Mission metrics, added when the scenario lists `mission_times`: the time to the first
//! system failure and the reliability R(t) at each mission time, for the deployment and per
//! site.
//!
//! A *system failure* is the first time, after the mission's start (the warm-up's end, or 0),
//! that a site loses a fleet's path to the cloud for a positive time: every gateway the fleet
//! may use is down or cut off (a redundancy group counts as down only when none of its members
//! carries the fleet). The deployment fails when its first site does. A switch-over that takes
//! no time is no failure. Each replication is one mission, so R(t) is the share of
//! replications without a failure before t, with the Wilson score interval of that share.
//!
//! The mean time to system failure over the replications that failed is biased low when some
//! survive the horizon (the long lives are the ones cut off). Two censored estimates use every
//! replication: `restricted_mean_ttf_h`, the mean of the time on test min(T, window) (the
//! Kaplan–Meier restricted mean, exact when every survivor is censored at the same window),
//! and `mttf_censored_h`, the exponential maximum-likelihood MTTF (total time on test over
//! failures) with its chi-square interval, right when failures come at a constant rate. A
//! replication that a fleet's end of life (`stop_when_dead`) stopped early is censored at the
//! stop: its time on test ends there, as for a unit taken off test.

use crate::model::Outcome;
use crate::scenario::Deployment;

use super::{Better, Metric};

/// The metric whose study estimate is [`crate::montecarlo::exponential_mttf`]: it has
/// no per-replication value; the study reads [`TIME_ON_TEST`] and [`FAILED`].
pub const MTTF_CENSORED: &str = "mttf_censored_h";
/// Each replication's time on test: until its system failure, or the whole window.
pub const TIME_ON_TEST: &str = "restricted_mean_ttf_h";
/// Whether each replication saw a system failure (0 or 1).
pub const FAILED: &str = "system_failure_share";

/// Whether metric `id` is a share of replications (one 0/1 value each), estimated with the
/// Wilson score interval rather than Student's t.
pub fn is_share_of_replications(id: &str) -> bool {
    id == FAILED || id.starts_with("reliability_at_")
}

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
            "Time from the mission's start to the first system failure (a site losing a fleet's path to the cloud), over the replications that saw one: the MTTF when every replication fails (system_failure_share = 1), an underestimate otherwise (see mttf_censored_h).".into(),
        ),
        metric(
            TIME_ON_TEST.into(),
            "h",
            "Restricted mean time to system failure: the mean over replications of the time on test, from the mission's start to the first system failure, or to the end of the run for a replication without one (the Kaplan-Meier restricted mean over the measured window when every replication runs to the horizon; a replication that a fleet's end of life stopped early counts until the stop, censored there, which pulls the mean below the restricted mean).".into(),
        ),
        metric(
            MTTF_CENSORED.into(),
            "h",
            "Mean time to system failure with the survivors counted: total time on test (each replication until its system failure, or until it stopped: the horizon, or a fleet's end of life, censored there) over the number of system failures (the exponential maximum-likelihood estimate, right when failures come at a constant rate), with the time-terminated chi-square interval; no per-replication value.".into(),
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
    // Time on test: until the system failure, or until the replication stopped: the whole
    // window, or a fleet's end of life, at which a survivor is censored (its mission went on
    // unobserved).
    let on_test = system.unwrap_or(window).min(window) as f64 / 3.6e9;
    let mut v = vec![
        f64::from(u8::from(system.is_some())),
        hours(system),
        on_test,
        f64::NAN,
    ];
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
