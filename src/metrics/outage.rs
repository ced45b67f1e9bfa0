//! Buffer loss per outage, added when a gateway has a store-and-forward buffer
//! (`buffer_messages` > 0): how many messages each connectivity outage of a buffered gateway
//! cost to overflow (`model::outage_loss` defines the outage and its loss). Packet mode only:
//! flow mode accounts a buffer's losses in aggregate, not per outage, so they are undefined
//! (NaN) there.

use crate::model::Outcome;
use crate::scenario::Deployment;

use super::{Better, Metric, quantile};

/// (id, unit, definition), in report order.
pub const OUTAGE_METRICS: &[(&str, &str, &str)] = &[
    (
        "buffer_outages",
        "outages",
        "Connectivity outages of gateways with a buffer (up, unable to forward) that ended before the horizon.",
    ),
    (
        "outage_loss_mean",
        "messages",
        "Mean messages a gateway's buffer lost to overflow per outage (undefined without outages).",
    ),
    (
        "outage_loss_p95",
        "messages",
        "95th percentile of the messages lost to overflow per outage (nearest rank over the replication's outages).",
    ),
    (
        "outage_loss_share",
        "ratio",
        "Share of outages in which the gateway's buffer lost at least one message to overflow.",
    ),
];

/// Whether `dep` has a gateway with a buffer (and so these metrics).
pub fn has_outage_metrics(dep: &Deployment) -> bool {
    dep.gateways.iter().any(|g| g.buffer_messages > 0)
}

/// The buffer-loss metrics of `dep` (empty without a buffered gateway).
pub fn catalog(dep: &Deployment) -> Vec<Metric> {
    if !has_outage_metrics(dep) {
        return vec![];
    }
    OUTAGE_METRICS
        .iter()
        .map(|(id, unit, definition)| Metric {
            id: id.to_string(),
            unit,
            definition: definition.to_string(),
            better: Better::of(id),
        })
        .collect()
}

/// The values of [`catalog`] for one replication, in the same order.
pub fn values(dep: &Deployment, o: &Outcome) -> Vec<f64> {
    if !has_outage_metrics(dep) {
        return vec![];
    }
    let Some(losses) = &o.outage_losses else {
        return vec![f64::NAN; OUTAGE_METRICS.len()];
    };
    let n = losses.len();
    if n == 0 {
        return vec![0.0, f64::NAN, f64::NAN, f64::NAN];
    }
    let mut sorted = losses.clone();
    sorted.sort_unstable();
    vec![
        n as f64,
        losses.iter().sum::<u64>() as f64 / n as f64,
        quantile(&sorted, 0.95),
        losses.iter().filter(|&&l| l > 0).count() as f64 / n as f64,
    ]
}
