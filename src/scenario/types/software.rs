//! Firmware update campaigns.

use serde::{Deserialize, Serialize};

use super::super::values::{Count, Dist, Probability};
use crate::engine::Duration;

/// A firmware update campaign: fleet `fleet` updated in `waves` equal waves from `start`, one
/// every `wave_every`. Each update bricks the device with probability `brick`; a share
/// `recover` of bricked devices is restored by a remote rollback after `rollback_time`, the
/// others need a site visit (`repair`). The campaign halts after a wave whose bricked share
/// exceeds `halt_above`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Campaign {
    pub fleet: String,
    pub start: Duration,
    #[serde(default = "one_wave")]
    pub waves: Count,
    #[serde(default)]
    pub wave_every: Duration,
    pub brick: Probability,
    #[serde(default)]
    pub recover: Probability,
    #[serde(default)]
    pub rollback_time: Option<Dist>,
    pub repair: Dist,
    #[serde(default)]
    pub halt_above: Option<Probability>,
    /// The firmware versions it updates (`from: ["1.2", "1.3"]`): a device on another version,
    /// or whose version is unknown, is left alone. Default: every device of the fleet.
    #[serde(default)]
    pub from: Vec<String>,
    /// The version an updated device is on afterwards (`to: "2.0"`). Default: unchanged.
    #[serde(default)]
    pub to: Option<String>,
}

fn one_wave() -> Count {
    Count(1)
}
