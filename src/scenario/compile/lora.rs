//! Checks of the LoRa options added to reproduce LoRaSim (Bor et al. 2016): the preamble-lock
//! timing condition, its sensitivity table and its choice of bandwidth by distance. Kept apart
//! from the rest of the scenario compiler so that each refusal lives next to its reason.

use crate::model::lora::{self, LoRaPhy, Sensitivity};

use super::super::deployment::LoRaRules;
use super::super::types::{LoRa, LoRaAccess};

/// Why a LoRa option was refused: the field under the fleet's `lora`, what is wrong and a hint.
pub(super) struct LoRaRefusal {
    pub(super) field: &'static str,
    pub(super) message: String,
    pub(super) hint: String,
}

/// The checked receiver rules of a fleet with LoRa settings `l` and `message_bytes` of
/// application payload. Each option refines another and means nothing without it:
/// `preamble_lock` decides which overlaps capture settles (needs `capture_db`),
/// `bandwidth_by_distance` widens the choice of `sf_by_distance`, and a sensitivity table
/// matters only where distances are known (`placement`). With bandwidths picked per device a
/// slot must hold the longest frame, SF12 at 125 kHz.
pub(super) fn rules(l: &LoRa, message_bytes: u32) -> Result<LoRaRules, LoRaRefusal> {
    if l.preamble_lock && l.capture_db.is_none() {
        return Err(LoRaRefusal {
            field: "preamble_lock",
            message: "`preamble_lock` decides which overlaps capture settles, but the fleet \
                      has no capture threshold"
                .into(),
            hint: "add `capture_db: 6.0` (Bor et al. 2016, as in LoRaSim's full collision \
                   check), or remove `preamble_lock`"
                .into(),
        });
    }
    if l.bandwidth_by_distance && !l.sf_by_distance {
        return Err(LoRaRefusal {
            field: "bandwidth_by_distance",
            message: "`bandwidth_by_distance` picks the bandwidth with the spreading factor, \
                      but the fleet's spreading factor is fixed"
                .into(),
            hint: "add `sf_by_distance: true`, or remove `bandwidth_by_distance`".into(),
        });
    }
    if l.sensitivity != Sensitivity::Datasheet && l.placement.is_none() {
        return Err(LoRaRefusal {
            field: "sensitivity",
            message: "a sensitivity table decides who is in range, but the fleet has no \
                      placement: every device is in range"
                .into(),
            hint: "add `placement: Placement(radius_m: ...)`, or remove `sensitivity`".into(),
        });
    }
    if let (true, LoRaAccess::Slotted { slot }) = (l.bandwidth_by_distance, l.access) {
        let longest = LoRaPhy {
            spreading_factor: 12,
            bandwidth_hz: 125_000,
            coding_rate: l.coding_rate,
            ..LoRaPhy::default()
        }
        .time_on_air_us(message_bytes + lora::LORAWAN_OVERHEAD_BYTES);
        if slot.ticks() < longest {
            return Err(LoRaRefusal {
                field: "access.slot",
                message: format!(
                    "a slot of {} µs is shorter than a frame's {longest} µs on air at SF12 and \
                     125 kHz, which `bandwidth_by_distance` may pick",
                    slot.ticks()
                ),
                hint: format!(
                    "a slotted frame must fit its slot: use a slot of at least {:.3} s",
                    longest as f64 / 1e6
                ),
            });
        }
    }
    Ok(LoRaRules {
        preamble_lock: l.preamble_lock,
        sensitivity: l.sensitivity,
        bandwidth_by_distance: l.bandwidth_by_distance,
    })
}
