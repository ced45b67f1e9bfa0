//! Checks of the LoRa options added for LoRaSim's collision rules, kept apart from the rest of
//! the scenario compiler so that each option's refusal lives next to its reason.

use super::types::LoRa;

/// Why a LoRa option was refused: the field under the fleet's `lora`, what is wrong and a hint.
pub(super) struct LoRaRefusal {
    pub(super) field: &'static str,
    pub(super) message: String,
    pub(super) hint: String,
}

/// The checked `preamble_lock`: it refines how capture settles an overlap, so it means
/// nothing without a capture threshold (without one every overlap loses both frames).
pub(super) fn preamble_lock(l: &LoRa) -> Result<bool, LoRaRefusal> {
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
    Ok(l.preamble_lock)
}
