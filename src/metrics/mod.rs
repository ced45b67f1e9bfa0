//! Named metrics of one replication, computed from the model's raw outcome.
//!
//! The table [`METRICS`] fixes the order, names, units and definitions of the metrics every
//! scenario has; [`catalog`] adds one per site and per gateway (`site_availability:plant`,
//! `gateway_connectivity:gw-north`), and, when the scenario has a `costs` block, the cost
//! metrics of [`COST_METRICS`]. Every summary, JSON file and report lists them in this
//! order, and the report's glossary comes from it.
//!
//! A metric that is undefined in a replication (a time-to-recover percentile when nothing
//! failed) is NaN there, and its estimate is over the replications where it is defined.

mod causes;
mod cellular;
mod lora;
mod mission;
mod outage;

pub use mission::{FAILED, MTTF_CENSORED, TIME_ON_TEST, is_share_of_replications};

pub use cellular::has_cellular_metrics;

use crate::cost;
use crate::model::{LossCause, Outcome};
use crate::scenario::Deployment;

/// The definition of one metric.
#[derive(Clone, Copy, Debug)]
pub struct MetricDef {
    /// Stable identifier, used as the JSON key and CSV column.
    pub id: &'static str,
    pub unit: &'static str,
    /// What it means, for the glossary.
    pub definition: &'static str,
}

const fn def(id: &'static str, unit: &'static str, definition: &'static str) -> MetricDef {
    MetricDef {
        id,
        unit,
        definition,
    }
}

/// Every metric, in report order.
pub const METRICS: &[MetricDef] = &[
    def(
        "messages_generated",
        "messages",
        "Readings due by the devices' schedules over the horizon, including those a down device could not send.",
    ),
    def(
        "messages_delivered",
        "messages",
        "Messages that reached the cloud before the horizon, on time or late.",
    ),
    def(
        "messages_delivered_on_time",
        "messages",
        "Delivered messages whose end-to-end delay was within the scenario's deadline.",
    ),
    def(
        "messages_delivered_late",
        "messages",
        "Delivered messages whose end-to-end delay exceeded the deadline (typically held in a buffer during an outage).",
    ),
    def(
        "messages_lost",
        "messages",
        "Messages lost, all causes together.",
    ),
    def(
        "lost_link_loss",
        "messages",
        "Lost to a link's random loss on the access link or the uplink.",
    ),
    def(
        "lost_device_down",
        "messages",
        "Due while their device was failed, so never sent.",
    ),
    def(
        "lost_gateway_down",
        "messages",
        "Reached a gateway that was failed.",
    ),
    def(
        "lost_buffer_overflow",
        "messages",
        "Reached a gateway without a working uplink whose buffer was full, or due on a device out of service (own SIM) whose buffer was full.",
    ),
    def(
        "lost_no_path",
        "messages",
        "Reached a gateway without a working uplink and without a buffer.",
    ),
    def(
        "messages_buffered_at_horizon",
        "messages",
        "Still held in a gateway or device buffer when the run ended.",
    ),
    def(
        "messages_in_flight_at_horizon",
        "messages",
        "Still on a link when the run ended.",
    ),
    def(
        "lost_undetected_outage",
        "messages",
        "Sent over an uplink that had failed before the gateway's failover policy noticed (during detection), or by a device on its own SIM before it noticed its network was gone.",
    ),
    def(
        "lost_collision",
        "messages",
        "LoRa transmissions that overlapped another on the same channel and spreading factor at the site (unslotted ALOHA).",
    ),
    def(
        "lost_duty_cycle",
        "messages",
        "Readings due while their LoRa device had to stay silent under the duty-cycle limit.",
    ),
    def(
        "lost_auth_expired",
        "messages",
        "Due while their device's certificate had expired, so it could not authenticate.",
    ),
    def(
        "lost_firmware",
        "messages",
        "Due while their device was bricked by a firmware update.",
    ),
    def(
        "lost_sensor_dropout",
        "messages",
        "Readings a degraded sensor (degradation mode Dropouts) lost before sending them.",
    ),
    def(
        "data_completeness",
        "ratio",
        "Delivered / generated: the share of due readings that reached the cloud.",
    ),
    def(
        "on_time_completeness",
        "ratio",
        "Delivered on time / generated.",
    ),
    def(
        "mean_delivery_delay_s",
        "s",
        "Mean end-to-end delay of delivered messages, from generation to arrival at the cloud.",
    ),
    def(
        "device_availability",
        "ratio",
        "Share of device-time the devices were working (time-weighted over the horizon).",
    ),
    def(
        "gateway_availability",
        "ratio",
        "Share of gateway-time the gateways' hardware was working (undefined without gateways).",
    ),
    def(
        "uplink_availability",
        "ratio",
        "Share of gateway-time with at least one working uplink (its carrier up; undefined without gateways).",
    ),
    def(
        "connectivity_availability",
        "ratio",
        "Share of gateway-time a gateway could forward to the cloud: hardware up and an uplink working (undefined without gateways).",
    ),
    def(
        "carrier_outages",
        "outages",
        "Carrier outages that began during the horizon, all carriers together.",
    ),
    def(
        "peak_buffered",
        "messages",
        "Largest number of messages held in any one gateway buffer.",
    ),
    def(
        "failovers",
        "switches",
        "Failovers: a failed uplink or gateway taken out of use by its gateway or redundancy group with another taking over, or a switch attempt that failed. A hot standby gateway switching its own uplinks counts too.",
    ),
    def(
        "failover_success_rate",
        "ratio",
        "Share of failovers after which every uplink or gateway in use worked (undefined without failovers).",
    ),
    def(
        "interruptions",
        "interruptions",
        "Interruptions of a fleet's path to the cloud (no connected gateway in use) that ended before the horizon, all fleets together.",
    ),
    def(
        "ttr_mean_s",
        "s",
        "Mean time to recover: length of an interruption of a fleet's path to the cloud (undefined without interruptions).",
    ),
    def(
        "ttr_p50_s",
        "s",
        "Median time to recover, over the interruptions of one replication.",
    ),
    def(
        "ttr_p95_s",
        "s",
        "95th percentile of the time to recover, over the interruptions of one replication.",
    ),
    def(
        "ttr_p99_s",
        "s",
        "99th percentile of the time to recover, over the interruptions of one replication.",
    ),
    def(
        "site_availability",
        "ratio",
        "Share of time every fleet of a site had a path to the cloud, averaged over sites.",
    ),
    def(
        "site_stale_share",
        "ratio",
        "Share of time a site's newest reading at the cloud was older than the deadline, averaged over sites.",
    ),
    def(
        "mean_gateway_wait_s",
        "s",
        "Mean time a message spent in a gateway's buffer or queue before it was sent (0 when sent at once).",
    ),
    def(
        "delivery_delay_p50_s",
        "s",
        "Median end-to-end delay of the messages delivered in one replication (within 1%: a log-bucket histogram). Packet mode; undefined in flow mode, which accounts messages in aggregate.",
    ),
    def(
        "delivery_delay_p95_s",
        "s",
        "95th percentile of the end-to-end delay of delivered messages, one replication (within 1%). Packet mode only.",
    ),
    def(
        "delivery_delay_p99_s",
        "s",
        "99th percentile of the end-to-end delay of delivered messages, one replication (within 1%). Packet mode only.",
    ),
    def(
        "gateway_wait_p50_s",
        "s",
        "Median wait in a gateway's buffer or queue over every message a gateway sent (0 for one sent at once; within 1%). Packet mode only.",
    ),
    def(
        "gateway_wait_p95_s",
        "s",
        "95th percentile of the wait in a gateway's buffer or queue, every gateway together (within 1%). Packet mode only.",
    ),
    def(
        "gateway_wait_p99_s",
        "s",
        "99th percentile of the wait in a gateway's buffer or queue, every gateway together (within 1%). Packet mode only.",
    ),
    def(
        "wait_probability",
        "ratio",
        "Share of the messages gateways sent that waited at all in a buffer or queue. Packet mode only.",
    ),
    def(
        "max_gateway_utilisation",
        "ratio",
        "Busy share of the most loaded gateway's forwarding capacity (0 without a capacity limit).",
    ),
    def(
        "events",
        "events",
        "Simulation events handled (a measure of work, not of the deployment).",
    ),
];

/// The cost metrics, appended after the per-gateway ones when a scenario has `costs`; their
/// unit is the scenario's currency.
pub const COST_METRICS: &[(&str, &str)] = &[
    (
        "cost_capex",
        "Capital cost: device and gateway hardware and installation, SIM and line activation.",
    ),
    (
        "cost_connectivity",
        "SIM and line fees over the horizon plus data volume (messages handed to each carrier × (message bytes + protocol overhead), priced per MB).",
    ),
    (
        "cost_cloud",
        "Cloud ingest of the delivered messages, priced per million.",
    ),
    (
        "cost_maintenance",
        "Repairs (a truck roll, labour and parts per device or gateway failure) and battery swaps over the horizon.",
    ),
    (
        "cost_downtime",
        "Site-hours without a path to the cloud over the horizon, at the scenario's price of a site-hour.",
    ),
    (
        "cost_sla_penalties",
        "SLA penalties: per site whose availability is below the SLA target, the penalty per year of horizon.",
    ),
    (
        "cost_total",
        "Total cost of ownership over the horizon: capital plus every operating cost, undiscounted.",
    ),
    (
        "cost_npv",
        "Net present value of the total cost: capital at the start, operating cost spread evenly over the months and discounted at the scenario's rate.",
    ),
    (
        "cost_per_device_year",
        "Total cost of ownership per device and per year of horizon (cost_total / devices / years).",
    ),
];

/// Per gateway with a forwarding capacity (a service time or an uplink data rate), its queue:
/// (id prefix, unit, definition). Packet mode only: flow mode keeps no single message, so
/// they are undefined (NaN) there.
pub const QUEUE_METRICS: &[(&str, &str, &str)] = &[
    (
        "queue_length",
        "messages",
        "time-average number of messages held, waiting or in service (L), over the horizon.",
    ),
    (
        "queue_waiting",
        "messages",
        "time-average number of messages waiting in the buffer or queue (Lq), over the horizon.",
    ),
    (
        "wait_probability",
        "ratio",
        "share of the messages it sent that waited at all before service.",
    ),
    (
        "wait_p50_s",
        "s",
        "median wait before service of the messages it sent (within 1%).",
    ),
    (
        "wait_p95_s",
        "s",
        "95th percentile of the wait before service (within 1%).",
    ),
    (
        "wait_p99_s",
        "s",
        "99th percentile of the wait before service (within 1%).",
    ),
];

/// Whether metric `id` follows single messages and is therefore undefined (NaN) in flow mode,
/// which accounts messages in aggregate between state changes.
pub fn packet_mode_only(id: &str) -> bool {
    let base = id.split(':').next().unwrap_or(id);
    matches!(
        base,
        "delivery_delay_p50_s"
            | "delivery_delay_p95_s"
            | "delivery_delay_p99_s"
            | "gateway_wait_p50_s"
            | "gateway_wait_p95_s"
            | "gateway_wait_p99_s"
            | "wait_probability"
    ) || QUEUE_METRICS.iter().any(|(m, _, _)| *m == base)
        || outage::OUTAGE_METRICS.iter().any(|(m, _, _)| *m == base)
}

/// Metrics of devices that age, added when a fleet has failures, batteries or planned
/// replacement: (id, unit, definition).
pub const LIFE_METRICS: &[(&str, &str, &str)] = &[
    (
        "device_failures",
        "failures",
        "Random device failures over the horizon (each needs a repair or a new unit); battery depletions and planned replacements are not counted.",
    ),
    (
        "device_mtbf_s",
        "s",
        "Mean time between device failures: device-time up over the horizon divided by random device failures (undefined without failures).",
    ),
    (
        "battery_depletions",
        "batteries",
        "Batteries that ran flat over the horizon.",
    ),
    (
        "battery_life_mean_s",
        "s",
        "Mean full life of the batteries that ran flat: their capacity over the device's average current, cell to cell spread included (undefined when none ran flat).",
    ),
    (
        "planned_replacements",
        "devices",
        "Devices replaced because they reached the fleet's replacement age.",
    ),
    (
        "devices_dead",
        "devices",
        "Devices dead for good at the horizon: their battery ran flat and is never swapped.",
    ),
];

/// Metrics of the fleet end of life, added when a fleet sets `stop_when_dead`: (id, unit,
/// definition). A replication that reaches the horizon first is censored there: its end of
/// life counts as the horizon (so every replication is in the estimate, and paired
/// comparisons of designs keep every pair), and `fleet_end_of_life_reached` says how many did
/// reach it. With some censored, the mean is a lower bound on the fleet's mean life.
pub const STOP_METRICS: &[(&str, &str, &str)] = &[
    (
        "fleet_end_of_life_s",
        "s",
        "Time until a fleet with `stop_when_dead` first had that share of its devices dead at once (down: flat battery, failed and awaiting or under repair, or out for replacement), which ends the replication; every other metric is then over [0, that time). A replication that reached the horizon first counts the horizon (censored: see fleet_end_of_life_reached).",
    ),
    (
        "fleet_end_of_life_reached",
        "ratio",
        "Share of replications that reached a fleet end of life before the horizon (1 in a replication that did, 0 in one that did not).",
    ),
];

/// Metrics of device software, added when a fleet has certificates or the scenario has
/// firmware campaigns: (id, unit, definition).
pub const SOFTWARE_METRICS: &[(&str, &str, &str)] = &[
    (
        "cert_expiries",
        "certificates",
        "Device certificates that expired before being renewed (each device then loses its readings until re-provisioned).",
    ),
    (
        "cert_renewal_failures",
        "attempts",
        "Certificate renewal attempts that failed (the device was down, or the attempt failed).",
    ),
    (
        "devices_bricked",
        "devices",
        "Devices bricked by firmware updates.",
    ),
    (
        "firmware_rollbacks",
        "devices",
        "Bricked devices restored by a remote rollback rather than a site visit.",
    ),
    (
        "campaigns_halted",
        "campaigns",
        "Firmware campaigns halted after a wave bricked more than their limit.",
    ),
];

/// Whether `dep` has certificates or firmware campaigns (and so the [`SOFTWARE_METRICS`]).
pub fn has_software_metrics(dep: &Deployment) -> bool {
    !dep.campaigns.is_empty() || dep.fleets.iter().any(|f| f.certificate.is_some())
}

/// Metrics of sensor degradation and condition-based maintenance, added when a fleet has
/// `degradation`: (id, unit, definition).
pub const DEGRADATION_METRICS: &[(&str, &str, &str)] = &[
    (
        "data_quality",
        "ratio",
        "Share of delivered readings that were within accuracy (taken while their sensor was not degraded, or not spoiled by its noise).",
    ),
    (
        "degraded_device_share",
        "ratio",
        "Time-average share of devices whose sensor was degraded (from onset until the unit was repaired or replaced).",
    ),
    (
        "degradations",
        "sensors",
        "Sensor degradation onsets over the horizon.",
    ),
    (
        "condition_replacements",
        "devices",
        "Degraded devices found by an inspection and replaced.",
    ),
];

/// Metrics of repair crews and spare parts, added when the scenario has `crews` (the
/// per-crew utilisation `crew_utilisation:<id>` follows them when there are several crews):
/// (id, unit, definition). They cover crew jobs only: repairs at sites without a crew are
/// immediate and unlimited.
pub const CREW_METRICS: &[(&str, &str, &str)] = &[
    (
        "crew_utilisation",
        "ratio",
        "Share of the crews' technician-time spent on jobs, travel included: busy technician-time / (technicians × horizon), all crews together.",
    ),
    (
        "repair_queue_mean",
        "jobs",
        "Time-average number of crew jobs waiting, for a technician or for a spare part (jobs being travelled to or repaired are not counted).",
    ),
    (
        "mttr_s",
        "s",
        "Mean time to restore, over the crew jobs finished before the horizon: from the failure until the unit works again, queue, part wait, travel and repair included (undefined when none finished).",
    ),
    (
        "repair_wait_mean_s",
        "s",
        "Mean time from a failure until a technician takes its job (waiting for a technician or a part), over the jobs started before the horizon (undefined when none started).",
    ),
    (
        "spares_stockouts",
        "jobs",
        "Repairs that found no spare part on their crew's shelf and waited for an ordered one.",
    ),
];

/// Whether `dep` has repair crews (and so the [`CREW_METRICS`]).
pub fn has_crew_metrics(dep: &Deployment) -> bool {
    !dep.crews.is_empty()
}

/// Whether `dep` has a fleet whose sensors degrade (and so the [`DEGRADATION_METRICS`]).
pub fn has_degradation_metrics(dep: &Deployment) -> bool {
    dep.fleets.iter().any(|f| f.life.degradation.is_some())
}

/// Whether a fleet of `dep` sets `stop_when_dead` (and so the [`STOP_METRICS`]).
pub fn has_stop_metrics(dep: &Deployment) -> bool {
    dep.stops_when_dead()
}

/// Whether `dep` has any device that ages (and so the [`LIFE_METRICS`]).
pub fn has_life_metrics(dep: &Deployment) -> bool {
    dep.fleets
        .iter()
        .any(|f| f.failure.is_some() || f.life.has_clocks())
}

/// A `&'static str` for a currency code (metric units are static; the codes are few and short).
fn currency_unit(code: &str) -> &'static str {
    use std::sync::Mutex;
    static KNOWN: Mutex<Vec<&'static str>> = Mutex::new(vec![]);
    let mut known = KNOWN.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(u) = known.iter().find(|u| **u == code) {
        return u;
    }
    let leaked: &'static str = Box::leak(code.to_string().into_boxed_str());
    known.push(leaked);
    leaked
}

/// Position of metric `id` in [`METRICS`].
pub fn index_of(id: &str) -> Option<usize> {
    METRICS.iter().position(|m| m.id == id)
}

/// A metric of one scenario: one of [`METRICS`], or one per site or gateway.
#[derive(Clone, Debug, PartialEq)]
pub struct Metric {
    pub id: String,
    pub unit: &'static str,
    pub definition: String,
    /// Which way is better, for comparing designs.
    pub better: Better,
}

/// Which way a metric is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Better {
    Higher,
    Lower,
    /// A count of work or exposure (messages generated, events) that is neither.
    Neither,
}

impl Better {
    /// The direction of metric `id`, from its name: completeness, availability, deliveries and
    /// success are better higher; losses, delays, times to recover, staleness, interruptions
    /// and costs lower.
    pub fn of(id: &str) -> Better {
        let base = id.split(':').next().unwrap_or(id);
        const HIGHER: &[&str] = &[
            "messages_delivered",
            "messages_delivered_on_time",
            "data_completeness",
            "on_time_completeness",
            "failover_success_rate",
            "gateway_connectivity",
            "device_mtbf_s",
            "battery_life_mean_s",
            "data_quality",
            "fleet_end_of_life_s",
        ];
        const LOWER_PREFIXES: &[&str] = &[
            "lost_",
            "messages_lost",
            "messages_delivered_late",
            "ttr_",
            "interruptions",
            "site_stale",
            "mean_delivery_delay",
            "mean_gateway_wait",
            "delivery_delay_p",
            "gateway_wait_p",
            "wait_p",
            "queue_",
            "cost_",
            "device_failures",
            "battery_depletions",
            "devices_dead",
            "fleet_end_of_life_reached",
            "cert_",
            "devices_bricked",
            "campaigns_halted",
            "degraded_device_share",
            "degradations",
            "repair_queue",
            "mttr",
            "repair_wait",
            "spares_stockouts",
            "sim_switch_failures",
            "system_failure_share",
            "outage_loss",
        ];
        // Mission metrics: surviving longer is better, a share of failed missions worse.
        const HIGHER_PREFIXES: &[&str] = &["reliability_at_", "time_to_"];
        if HIGHER.contains(&base)
            || base.ends_with("availability")
            || HIGHER_PREFIXES.iter().any(|p| base.starts_with(p))
        {
            Better::Higher
        } else if LOWER_PREFIXES.iter().any(|p| base.starts_with(p)) {
            Better::Lower
        } else {
            Better::Neither
        }
    }
}

/// Every metric of `dep`'s replications, in report order: [`METRICS`], then per site, then
/// per gateway.
pub fn catalog(dep: &Deployment) -> Vec<Metric> {
    let mut all: Vec<Metric> = METRICS
        .iter()
        .map(|m| Metric {
            id: m.id.to_string(),
            unit: m.unit,
            definition: m.definition.to_string(),
            better: Better::of(m.id),
        })
        .collect();
    for site in &dep.sites {
        all.push(Metric {
            id: format!("site_availability:{site}"),
            unit: "ratio",
            definition: format!(
                "Share of time every fleet at site \"{site}\" had a path to the cloud."
            ),
            better: Better::Higher,
        });
        all.push(Metric {
            id: format!("site_stale_hours:{site}"),
            unit: "h",
            definition: format!(
                "Hours during which the newest reading from site \"{site}\" at the cloud was older than the deadline."
            ),
            better: Better::Lower,
        });
    }
    for g in &dep.gateways {
        let id = &g.id;
        all.push(Metric {
            id: format!("gateway_connectivity:{id}"),
            unit: "ratio",
            definition: format!(
                "Share of time gateway \"{id}\" could forward to the cloud (up, and the uplink in use working)."
            ),
            better: Better::Higher,
        });
        all.push(Metric {
            id: format!("gateway_utilisation:{id}"),
            unit: "ratio",
            definition: format!("Busy share of gateway \"{id}\"'s forwarding capacity."),
            better: Better::Neither,
        });
    }
    for g in dep.gateways.iter().filter(|g| g.has_capacity_limit()) {
        for (metric, unit, definition) in QUEUE_METRICS {
            all.push(Metric {
                id: format!("{metric}:{}", g.id),
                unit,
                definition: format!("Gateway \"{}\": {definition}", g.id),
                better: Better::of(metric),
            });
        }
    }
    for f in dep.fleets.iter() {
        let Some(k) = f.at_least_up else {
            continue;
        };
        all.push(Metric {
            id: format!("k_of_n_availability:{}", f.id),
            unit: "ratio",
            definition: format!(
                "Share of time at least {k} of fleet \"{}\"'s {} devices were up and reporting (up, with a path to the cloud).",
                f.id, f.count
            ),
            better: Better::Higher,
        });
    }
    if has_life_metrics(dep) {
        for (id, unit, definition) in LIFE_METRICS {
            all.push(Metric {
                id: id.to_string(),
                unit,
                definition: definition.to_string(),
                better: Better::of(id),
            });
        }
    }
    if has_stop_metrics(dep) {
        for (id, unit, definition) in STOP_METRICS {
            all.push(Metric {
                id: id.to_string(),
                unit,
                definition: definition.to_string(),
                better: Better::of(id),
            });
        }
    }
    if has_software_metrics(dep) {
        for (id, unit, definition) in SOFTWARE_METRICS {
            all.push(Metric {
                id: id.to_string(),
                unit,
                definition: definition.to_string(),
                better: Better::of(id),
            });
        }
    }
    if has_degradation_metrics(dep) {
        for (id, unit, definition) in DEGRADATION_METRICS {
            all.push(Metric {
                id: id.to_string(),
                unit,
                definition: definition.to_string(),
                better: Better::of(id),
            });
        }
    }
    if has_crew_metrics(dep) {
        for (id, unit, definition) in CREW_METRICS {
            all.push(Metric {
                id: id.to_string(),
                unit,
                definition: definition.to_string(),
                better: Better::of(id),
            });
        }
        if dep.crews.len() > 1 {
            for c in &dep.crews {
                all.push(Metric {
                    id: format!("crew_utilisation:{}", c.id),
                    unit: "ratio",
                    definition: format!(
                        "Share of crew \"{}\"'s technician-time spent on jobs, travel included.",
                        c.id
                    ),
                    better: Better::Neither,
                });
            }
        }
    }
    // Before the costs, which close the scenario's own metrics.
    all.extend(outage::catalog(dep));
    all.extend(mission::catalog(dep));
    if let Some(c) = &dep.costs {
        let unit = currency_unit(&c.currency);
        for (id, definition) in COST_METRICS {
            // Said only where it applies, so scenarios without crews keep their glossary.
            let crews = if *id == "cost_maintenance" && has_crew_metrics(dep) {
                " It includes the crews' technicians at their yearly cost."
            } else {
                ""
            };
            all.push(Metric {
                id: id.to_string(),
                unit,
                definition: format!("{definition}{crews} In {}.", c.currency),
                better: Better::of(id),
            });
        }
    }
    all.extend(cellular::catalog(dep));
    all.extend(lora::catalog(dep));
    all.extend(causes::catalog(dep));
    if dep.warmup > 0 {
        // Said only with a warm-up, so scenarios without one keep their glossary.
        for m in all.iter_mut() {
            if let Some(note) = warm_up_note(&m.id) {
                m.definition.push(' ');
                m.definition.push_str(note);
            }
        }
    }
    all
}

/// What a warm-up means for metric `id`, where the definition alone would leave it open:
/// every metric is measured from the warm-up's end, time averages over horizon − warm-up,
/// counts of what happened after it (docs/model.md, "Warm-up"); these say which whole
/// quantities count, or that they are a state at the horizon.
fn warm_up_note(id: &str) -> Option<&'static str> {
    Some(match id {
        "devices_dead" => "A state at the horizon: a device that died during the warm-up counts.",
        "battery_life_mean_s" => {
            "Over the batteries that ran flat after the warm-up, each with its whole life."
        }
        "messages_generated" => {
            "Due after the warm-up, and those still on a device, a link or in a gateway at its end: the window delivers, loses or still holds each of them."
        }
        _ if is_completeness(id) => {
            "Over the measured window's messages: due after the warm-up, or still on their way at its end."
        }
        "mttr_s" => "Over the jobs finished after the warm-up, each with its whole time.",
        "repair_wait_mean_s" => {
            "Over the jobs started after the warm-up, each with its whole wait."
        }
        _ if id == "crew_utilisation" || id.starts_with("crew_utilisation:") => {
            "Busy technician-time after the warm-up over technicians × (horizon − warm-up)."
        }
        _ => return None,
    })
}

/// Whether `id` is a completeness, the deployment's or a fleet's (`data_completeness:<f>`).
fn is_completeness(id: &str) -> bool {
    let base = id.split_once(':').map_or(id, |(base, _)| base);
    base == "data_completeness" || base == "on_time_completeness"
}

/// The `q` quantile of sorted `values` (nearest rank), NaN when there are none.
fn quantile(sorted: &[u64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1] as f64
}

/// The values of [`catalog`] for one replication, in the same order.
pub fn values(dep: &Deployment, o: &Outcome) -> Vec<f64> {
    let l = &o.ledger;
    let ratio = |num: u64, den: u64| {
        if den == 0 {
            1.0
        } else {
            num as f64 / den as f64
        }
    };
    let delivered = l.delivered();
    // Every time integral counts from the warm-up's end (0 without one) to the horizon.
    let measured = o.horizon.saturating_sub(o.measured_from).max(1) as f64;
    let mut recoveries = o.recoveries.clone();
    recoveries.sort_unstable();
    let mean_delay_s = if delivered == 0 {
        0.0
    } else {
        l.delay_sum as f64 / delivered as f64 / 1e6
    };
    // Every gateway's waits together; nothing (NaN) in flow mode.
    let mut waits = crate::model::sketch::DurationSketch::default();
    for q in &o.queues {
        waits.merge(&q.waits);
    }
    let mut v = vec![
        l.generated as f64,
        delivered as f64,
        l.delivered_on_time as f64,
        l.delivered_late as f64,
        l.lost_total() as f64,
        l.lost_by(LossCause::LinkLoss) as f64,
        l.lost_by(LossCause::DeviceDown) as f64,
        l.lost_by(LossCause::GatewayDown) as f64,
        l.lost_by(LossCause::BufferOverflow) as f64,
        l.lost_by(LossCause::NoPath) as f64,
        l.buffered_at_horizon as f64,
        l.in_flight_at_horizon as f64,
        l.lost_by(LossCause::UndetectedOutage) as f64,
        l.lost_by(LossCause::Collision) as f64,
        l.lost_by(LossCause::DutyCycle) as f64,
        l.lost_by(LossCause::AuthExpired) as f64,
        l.lost_by(LossCause::Firmware) as f64,
        l.lost_by(LossCause::SensorDropout) as f64,
        ratio(delivered, l.generated),
        ratio(l.delivered_on_time, l.generated),
        mean_delay_s,
        o.device_availability,
        o.gateway_availability,
        o.uplink_availability,
        o.connectivity_availability,
        o.carrier_outages as f64,
        o.peak_buffered as f64,
        o.failovers as f64,
        if o.failovers == 0 {
            f64::NAN
        } else {
            o.failovers_ok as f64 / o.failovers as f64
        },
        recoveries.len() as f64,
        if recoveries.is_empty() {
            f64::NAN
        } else {
            recoveries.iter().map(|&t| t as f64).sum::<f64>() / recoveries.len() as f64 / 1e6
        },
        quantile(&recoveries, 0.50) / 1e6,
        quantile(&recoveries, 0.95) / 1e6,
        quantile(&recoveries, 0.99) / 1e6,
        mean(&o.site_availability),
        mean(
            &o.site_stale
                .iter()
                .map(|&t| t as f64 / measured)
                .collect::<Vec<_>>(),
        ),
        if o.waited == 0 {
            0.0
        } else {
            o.wait_sum as f64 / o.waited as f64 / 1e6
        },
        o.delays.quantile(0.50) / 1e6,
        o.delays.quantile(0.95) / 1e6,
        o.delays.quantile(0.99) / 1e6,
        waits.quantile(0.50) / 1e6,
        waits.quantile(0.95) / 1e6,
        waits.quantile(0.99) / 1e6,
        waits.positive_share(),
        o.gateway_busy
            .iter()
            .map(|&b| b as f64 / measured)
            .fold(0.0, f64::max),
        o.events as f64,
    ];
    debug_assert_eq!(v.len(), METRICS.len());
    for (a, stale) in o.site_availability.iter().zip(&o.site_stale) {
        v.push(*a);
        v.push(*stale as f64 / 3.6e9);
    }
    for (c, busy) in o.gateway_connectivity.iter().zip(&o.gateway_busy) {
        v.push(*c);
        v.push(*busy as f64 / measured);
    }
    for (g, spec) in dep.gateways.iter().enumerate() {
        if !spec.has_capacity_limit() {
            continue;
        }
        match o.queues.get(g) {
            Some(q) => v.extend([
                q.system_area as f64 / measured,
                q.queue_area as f64 / measured,
                q.waits.positive_share(),
                q.waits.quantile(0.50) / 1e6,
                q.waits.quantile(0.95) / 1e6,
                q.waits.quantile(0.99) / 1e6,
            ]),
            None => v.extend([f64::NAN; QUEUE_METRICS.len()]),
        }
    }
    v.extend(&o.k_of_n_availability);
    if has_life_metrics(dep) {
        let devices = dep.device_count() as f64;
        let up_s = o.device_availability * devices * measured / 1e6;
        let life = &o.life;
        v.extend([
            o.device_failures as f64,
            if o.device_failures == 0 {
                f64::NAN
            } else {
                up_s / o.device_failures as f64
            },
            life.battery_depletions as f64,
            if life.battery_depletions == 0 {
                f64::NAN
            } else {
                life.battery_life_sum as f64 / life.battery_depletions as f64 / 1e6
            },
            life.planned_replacements as f64,
            life.dead as f64,
        ]);
    }
    if has_stop_metrics(dep) {
        v.extend([
            o.end_of_life.unwrap_or(dep.horizon) as f64 / 1e6,
            o.end_of_life.is_some() as u8 as f64,
        ]);
    }
    if has_software_metrics(dep) {
        let soft = &o.soft;
        v.extend([
            soft.cert_expiries as f64,
            soft.cert_renewal_failures as f64,
            soft.bricked as f64,
            soft.rollbacks as f64,
            soft.campaigns_halted as f64,
        ]);
    }
    if has_degradation_metrics(dep) {
        let d = &o.degradation;
        v.extend([
            ratio(delivered - l.delivered_bad, delivered),
            d.degraded_share(dep.device_count()),
            d.onsets as f64,
            d.condition_replacements as f64,
        ]);
    }
    if has_crew_metrics(dep) {
        let crews = &o.crews;
        let sum = |f: &dyn Fn(&crate::model::CrewStats) -> u128| crews.iter().map(f).sum::<u128>();
        let technicians = sum(&|c| c.technicians as u128) as f64;
        let completed = sum(&|c| c.completed as u128);
        let started = sum(&|c| c.started as u128);
        let per = |num: u128, den: u128| {
            if den == 0 {
                f64::NAN
            } else {
                num as f64 / den as f64 / 1e6
            }
        };
        v.extend([
            sum(&|c| c.busy_time) as f64 / (technicians * measured),
            sum(&|c| c.queue_time) as f64 / measured,
            per(sum(&|c| c.restore_sum), completed),
            per(sum(&|c| c.wait_sum), started),
            sum(&|c| c.stockouts as u128) as f64,
        ]);
        if crews.len() > 1 {
            for c in crews {
                v.push(c.busy_time as f64 / (c.technicians as f64 * measured));
            }
        }
    }
    v.extend(outage::values(dep, o));
    v.extend(mission::values(dep, o));
    if let Some(c) = &dep.costs {
        let b = cost::breakdown(dep, c, o);
        v.extend([
            b.capex,
            b.connectivity,
            b.cloud,
            b.maintenance,
            b.downtime,
            b.sla_penalties,
            b.total(),
            b.npv(c.discount_rate, cost::years(o)),
            cost::per_device_year(dep, o, &b),
        ]);
    }
    v.extend(cellular::values(dep, o));
    v.extend(lora::values(dep, o));
    v.extend(causes::values(dep, o));
    v
}

fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.iter().sum::<f64>() / values.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directions_follow_the_names() {
        assert_eq!(Better::of("data_completeness"), Better::Higher);
        assert_eq!(Better::of("site_availability:plant"), Better::Higher);
        assert_eq!(Better::of("lost_collision"), Better::Lower);
        assert_eq!(Better::of("ttr_p99_s"), Better::Lower);
        assert_eq!(Better::of("messages_generated"), Better::Neither);
        assert_eq!(Better::of("events"), Better::Neither);
        assert_eq!(Better::of("fleet_end_of_life_s"), Better::Higher);
        assert_eq!(Better::of("fleet_end_of_life_reached"), Better::Lower);
        for (id, _) in COST_METRICS {
            assert_eq!(Better::of(id), Better::Lower, "{id}");
        }
    }
}
