//! Metrics of common causes that take down fleets' devices (`Fleet`, `FleetShare` targets),
//! added after every other metric when a scenario has one, so that scenarios without them keep
//! their columns.

use crate::model::{LossCause, Outcome};
use crate::scenario::Deployment;

use super::{Better, Metric};

/// Whether a common cause of `dep` takes down devices (and so these metrics).
fn has_fleet_causes(dep: &Deployment) -> bool {
    dep.causes.iter().any(|c| !c.fleets.is_empty())
}

/// The fleet common-cause metrics of `dep`, in report order (empty without such a cause).
pub fn catalog(dep: &Deployment) -> Vec<Metric> {
    if !has_fleet_causes(dep) {
        return vec![];
    }
    let id = "lost_common_cause";
    vec![Metric {
        id: id.into(),
        unit: "messages",
        definition: "Readings due while a common cause held their device down (a `Fleet` or \
                     `FleetShare` target) on devices that keep no buffer; a device with a buffer \
                     keeps them until the cause clears."
            .into(),
        better: Better::of(id),
    }]
}

/// The values of [`catalog`] for one replication, in the same order.
pub fn values(dep: &Deployment, o: &Outcome) -> Vec<f64> {
    if !has_fleet_causes(dep) {
        return vec![];
    }
    vec![o.ledger.lost_by(LossCause::CommonCause) as f64]
}
