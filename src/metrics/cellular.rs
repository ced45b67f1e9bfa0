//! Metrics of fleets attached straight to carriers (`Fleet(connectivity: Cellular(...))`),
//! added after every other metric when a scenario has one: totals over the cellular devices,
//! then per cellular fleet, so that designs can be compared fleet by fleet (an architect
//! compares cohorts).

use crate::cost;
use crate::model::{LossCause, Outcome};
use crate::scenario::Deployment;

use super::{Better, Metric, currency_unit, quantile};

/// Whether `dep` has a fleet on its own SIMs (and so these metrics).
pub fn has_cellular_metrics(dep: &Deployment) -> bool {
    dep.fleets.iter().any(|f| f.cellular.is_some())
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

/// Whether fleet `f` places its devices in regions (and so has coverage metrics).
fn placed(f: &crate::scenario::FleetSpec) -> bool {
    f.cellular.as_ref().is_some_and(|c| c.regional.is_some())
}

/// Whether a carrier of `dep` has a limited number of attach channels (and so the attach
/// failure metrics).
fn channels(dep: &Deployment) -> bool {
    dep.carriers.iter().any(|c| c.attach_channels.is_some())
}

/// The cellular metrics of `dep`, in report order (empty without cellular fleets).
pub fn catalog(dep: &Deployment) -> Vec<Metric> {
    if !has_cellular_metrics(dep) {
        return vec![];
    }
    let mut all = vec![
        metric(
            "service_availability".into(),
            "ratio",
            "Share of device-time the devices on their own SIMs had service: registered on a carrier that works (time noticing an outage, switching carrier and waiting for a network counts as without).".into(),
        ),
        metric(
            "lost_no_service".into(),
            "messages",
            "Readings due while their device knew it had no service (switching carrier, or every carrier of its SIM down) and had no room to keep them.".into(),
        ),
        metric(
            "sim_switches".into(),
            "switches",
            "Completed moves of a device to another carrier of its SIM (failovers and switches back).".into(),
        ),
        metric(
            "sim_switch_failures".into(),
            "switches",
            "Switch attempts that failed (the device then tried the next carrier).".into(),
        ),
    ];
    if dep.fleets.iter().any(placed) {
        all.push(metric(
            "lost_no_coverage".into(),
            "messages",
            "Readings due while their device was at a place no network of its SIM serves (or barred from roaming there) and had no room to keep them.".into(),
        ));
    }
    if channels(dep) {
        all.push(metric(
            "attach_failures".into(),
            "attempts",
            "Registrations turned away because every attach channel of the network was busy (each is retried after the device's back-off).".into(),
        ));
    }
    let unit = dep.costs.as_ref().map(|c| currency_unit(&c.currency));
    for f in dep.fleets.iter().filter(|f| f.cellular.is_some()) {
        let id = &f.id;
        all.extend([
            metric(
                format!("service_availability:{id}"),
                "ratio",
                format!("Share of device-time fleet \"{id}\"'s devices had service."),
            ),
            metric(
                format!("data_completeness:{id}"),
                "ratio",
                format!("Share of fleet \"{id}\"'s readings delivered before the horizon."),
            ),
            metric(
                format!("on_time_completeness:{id}"),
                "ratio",
                format!("Share of fleet \"{id}\"'s readings delivered within the deadline."),
            ),
            metric(
                format!("messages_lost:{id}"),
                "messages",
                format!("Fleet \"{id}\"'s readings lost, whatever the cause."),
            ),
            metric(
                format!("lost_no_service:{id}"),
                "messages",
                format!("Fleet \"{id}\"'s readings lost while its device knew it had no service."),
            ),
            metric(
                format!("lost_undetected_outage:{id}"),
                "messages",
                format!("Fleet \"{id}\"'s readings sent into a carrier's outage before the device noticed it."),
            ),
            metric(
                format!("lost_buffer_overflow:{id}"),
                "messages",
                format!("Fleet \"{id}\"'s readings dropped by a full device buffer."),
            ),
            metric(
                format!("interruptions:{id}"),
                "interruptions",
                format!("Interruptions of service of fleet \"{id}\"'s devices, each device's own, that ended before the horizon."),
            ),
            metric(
                format!("ttr_p95_s:{id}"),
                "s",
                format!("95th percentile of the times fleet \"{id}\"'s devices took to get service back (undefined without interruptions)."),
            ),
            metric(
                format!("sim_switches:{id}"),
                "switches",
                format!("Completed moves of fleet \"{id}\"'s devices to another carrier."),
            ),
        ]);
        if placed(f) {
            all.push(metric(
                format!("lost_no_coverage:{id}"),
                "messages",
                format!("Fleet \"{id}\"'s readings lost while its device was out of coverage."),
            ));
        }
        if channels(dep) {
            all.push(metric(
                format!("attach_failures:{id}"),
                "attempts",
                format!("Registrations of fleet \"{id}\"'s devices turned away by busy channels."),
            ));
        }
        if let (Some(unit), Some(c)) = (unit, &dep.costs) {
            all.push(metric(
                format!("cost_sim_per_device_year:{id}"),
                unit,
                format!(
                    "What fleet \"{id}\"'s SIMs cost per device and year: activation, profile downloads, SIM, dormant-profile and platform fees, data, overage and switch fees. In {}.",
                    c.currency
                ),
            ));
        }
    }
    all
}

/// The values of [`catalog`] for one replication, in the same order.
pub fn values(dep: &Deployment, o: &Outcome) -> Vec<f64> {
    if !has_cellular_metrics(dep) {
        return vec![];
    }
    let cell = &o.cellular;
    let (mut up, mut devices) = (0.0, 0.0);
    for (f, spec) in dep.fleets.iter().enumerate() {
        if spec.cellular.is_some() {
            up += cell.service_availability[f] * spec.count as f64;
            devices += spec.count as f64;
        }
    }
    let mut v = vec![
        up / devices,
        o.ledger.lost_by(LossCause::NoService) as f64,
        cell.switches.iter().sum::<u64>() as f64,
        cell.switch_failures.iter().sum::<u64>() as f64,
    ];
    if dep.fleets.iter().any(placed) {
        v.push(o.ledger.lost_by(LossCause::NoCoverage) as f64);
    }
    if channels(dep) {
        v.push(cell.attach_failures.iter().sum::<u64>() as f64);
    }
    let sims = dep.costs.as_ref().map(|c| cost::cellular(dep, c, o));
    let years = cost::years(o);
    for (f, spec) in dep.fleets.iter().enumerate() {
        if spec.cellular.is_none() {
            continue;
        }
        let l = &o.fleet_ledgers[f];
        let share = |n: u64| {
            if l.generated == 0 {
                1.0
            } else {
                n as f64 / l.generated as f64
            }
        };
        let mut recoveries = cell.recoveries[f].clone();
        recoveries.sort_unstable();
        v.extend([
            cell.service_availability[f],
            share(l.delivered()),
            share(l.delivered_on_time),
            l.lost_total() as f64,
            l.lost_by(LossCause::NoService) as f64,
            l.lost_by(LossCause::UndetectedOutage) as f64,
            l.lost_by(LossCause::BufferOverflow) as f64,
            recoveries.len() as f64,
            quantile(&recoveries, 0.95) / 1e6,
            cell.switches[f] as f64,
        ]);
        if placed(spec) {
            v.push(l.lost_by(LossCause::NoCoverage) as f64);
        }
        if channels(dep) {
            v.push(cell.attach_failures[f] as f64);
        }
        if let Some(sims) = &sims {
            let s = &sims[f];
            v.push((s.capex + s.opex()) / spec.count.max(1) as f64 / years);
        }
    }
    v
}
