//! Named metrics of one replication, computed from the model's raw outcome.
//!
//! The table [`METRICS`] fixes their order, names, units and definitions; every summary,
//! JSON file and report lists them in this order, and the report's glossary comes from it.

use crate::model::{LossCause, Outcome};

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
        "Reached a gateway without a working uplink whose buffer was full.",
    ),
    def(
        "lost_no_path",
        "messages",
        "Reached a gateway without a working uplink and without a buffer.",
    ),
    def(
        "messages_buffered_at_horizon",
        "messages",
        "Still held in a gateway buffer when the run ended.",
    ),
    def(
        "messages_in_flight_at_horizon",
        "messages",
        "Still on a link when the run ended.",
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
        "Share of gateway-time the gateways' hardware was working.",
    ),
    def(
        "uplink_availability",
        "ratio",
        "Share of gateway-time with at least one working uplink (its carrier up).",
    ),
    def(
        "connectivity_availability",
        "ratio",
        "Share of gateway-time a gateway could forward to the cloud: hardware up and an uplink working.",
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
        "events",
        "events",
        "Simulation events handled (a measure of work, not of the deployment).",
    ),
];

/// Position of metric `id` in [`METRICS`].
pub fn index_of(id: &str) -> Option<usize> {
    METRICS.iter().position(|m| m.id == id)
}

/// The values of [`METRICS`] for one replication, in the same order.
pub fn values(o: &Outcome) -> Vec<f64> {
    let l = &o.ledger;
    let ratio = |num: u64, den: u64| {
        if den == 0 {
            1.0
        } else {
            num as f64 / den as f64
        }
    };
    let delivered = l.delivered();
    let mean_delay_s = if delivered == 0 {
        0.0
    } else {
        l.delay_sum as f64 / delivered as f64 / 1e6
    };
    let v = vec![
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
        ratio(delivered, l.generated),
        ratio(l.delivered_on_time, l.generated),
        mean_delay_s,
        o.device_availability,
        o.gateway_availability,
        o.uplink_availability,
        o.connectivity_availability,
        o.carrier_outages as f64,
        o.peak_buffered as f64,
        o.events as f64,
    ];
    debug_assert_eq!(v.len(), METRICS.len());
    v
}
