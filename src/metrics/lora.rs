//! Metrics of LoRa fleets placed around their gateway (`LoRa(placement: ...)`), added after
//! every other metric when a scenario has one, so that scenarios without placement keep their
//! columns.

use crate::model::{LossCause, Outcome};
use crate::scenario::Deployment;

use super::{Better, Metric};

/// Whether `dep` has a LoRa fleet with a placement (and so these metrics).
fn has_placed_lora(dep: &Deployment) -> bool {
    dep.fleets
        .iter()
        .any(|f| f.lora.is_some_and(|l| l.placement.is_some()))
}

/// The placed-LoRa metrics of `dep`, in report order (empty without such a fleet).
pub fn catalog(dep: &Deployment) -> Vec<Metric> {
    if !has_placed_lora(dep) {
        return vec![];
    }
    let id = "lost_out_of_range";
    vec![Metric {
        id: id.into(),
        unit: "messages",
        definition: "Readings of LoRa devices whose signal reaches their gateway below the \
                     receiver's sensitivity at every spreading factor they may use."
            .into(),
        better: Better::of(id),
    }]
}

/// The values of [`catalog`] for one replication, in the same order.
pub fn values(dep: &Deployment, o: &Outcome) -> Vec<f64> {
    if !has_placed_lora(dep) {
        return vec![];
    }
    vec![o.ledger.lost_by(LossCause::OutOfRange) as f64]
}
