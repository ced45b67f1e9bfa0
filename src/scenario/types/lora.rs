//! LoRa radios: the physical layer, channel access, and where devices stand around their
//! gateway (log-distance path loss).

use serde::{Deserialize, Serialize};

use super::super::values::{Count, Probability};
use crate::engine::Duration;

/// LoRa radio settings of a fleet: `LoRa(spreading_factor: 9)`.
#[derive(Clone, Copy, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LoRa {
    /// 7..=12; each step doubles the time on air.
    pub spreading_factor: u8,
    /// Channels the devices hop over at random, one per message: 8 in a typical EU868 network
    /// (3 mandatory plus 5 network-defined, LoRaWAN Regional Parameters RP002).
    #[serde(default = "eight")]
    pub channels: Count,
    /// Share of time a device may transmit: 1% in the EU868 g1 sub-band (ETSI EN 300 220).
    /// A reading due while the device must stay silent is dropped.
    #[serde(default = "one_percent")]
    pub duty_cycle: Probability,
    /// 125, 250 or 500 kHz; LoRaWAN uplinks use 125 kHz except DR6.
    #[serde(default = "khz125")]
    pub bandwidth_khz: u32,
    /// 1..=4 for 4/5..4/8; LoRaWAN uses 4/5.
    #[serde(default = "cr45")]
    pub coding_rate: u8,
    /// How a device takes the channel: `Pure` (LoRaWAN's unslotted ALOHA, the default) or
    /// `Slotted(slot: "2s")`, where a transmission waits for the next slot boundary.
    #[serde(default)]
    pub access: LoRaAccess,
    /// Where the devices stand around their gateway and what the path loses on the way:
    /// `Placement(radius_m: 500)`. Absent: every device reaches its gateway and frames are
    /// never compared by power.
    #[serde(default)]
    pub placement: Option<Placement>,
    /// Each device uses the lowest spreading factor, from `spreading_factor` up, whose
    /// sensitivity its link budget meets (needs `placement`); otherwise all use
    /// `spreading_factor` and a device too far for it is out of range.
    #[serde(default)]
    pub sf_by_distance: bool,
    /// Capture threshold in dB: of two overlapping frames on one channel and spreading factor,
    /// the one stronger by at least this much survives (6 in Bor et al. 2016). Absent: every
    /// overlap loses both. Needs `placement`.
    #[serde(default)]
    pub capture_db: Option<f64>,
    /// The preamble-lock timing condition of LoRaSim (Bor et al. 2016, `timingCollision`):
    /// a frame that starts while another is ending is not disturbed by it if the other ends
    /// within the first 3 of its 8 preamble symbols (a receiver needs the last 5 to lock), so
    /// only overlaps past that are settled by capture. Default false: every overlap counts.
    /// Needs `capture_db`.
    #[serde(default)]
    pub preamble_lock: bool,
    /// Which receiver sensitivities decide range and spreading factors: `Datasheet` (Semtech
    /// SX1272, the default) or `LoRaSim` (Bor et al. 2016's measured table, as LoRaSim uses).
    /// Needs `placement`.
    #[serde(default)]
    pub sensitivity: crate::model::lora::Sensitivity,
    /// With `sf_by_distance`, each device also picks its bandwidth: of every spreading factor
    /// from `spreading_factor` up at 125, 250 and 500 kHz it uses the setting with the
    /// shortest time on air that its link budget meets (LoRaSim's experiment 3). Default
    /// false: the fleet's `bandwidth_khz`. Frames at one spreading factor share its channels
    /// whatever their bandwidths, as in LoRaSim.
    #[serde(default)]
    pub bandwidth_by_distance: bool,
}

/// How a LoRa device takes the channel.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize)]
pub enum LoRaAccess {
    /// Transmit as soon as a reading is due (unslotted ALOHA).
    #[default]
    Pure,
    /// Transmit at the next multiple of `slot` from the start (slotted ALOHA); a slot must
    /// hold the fleet's whole time on air.
    Slotted { slot: Duration },
}

/// LoRa devices placed uniformly in area on a disc of `radius_m` around their gateway,
/// transmitting at `tx_power_dbm`, with log-distance path loss `path_loss`.
#[derive(Clone, Copy, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Placement {
    pub radius_m: f64,
    /// 14 dBm: the EU868 limit for the default channels (ETSI EN 300 220, 25 mW ERP) and what
    /// LoRaSim's nodes use.
    #[serde(default = "dbm14")]
    pub tx_power_dbm: f64,
    #[serde(default)]
    pub path_loss: PathLoss,
}

/// Log-distance path loss `PL(d) = loss_d0_db + 10 exponent log10(d / d0_m)`, plus a normal
/// shadowing of `shadowing_db` standard deviation drawn once per device. The defaults are Bor
/// et al. 2016's fit (868 MHz, built-up area), without shadowing.
#[derive(Clone, Copy, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PathLoss {
    #[serde(default = "bor_d0")]
    pub d0_m: f64,
    #[serde(default = "bor_loss_d0")]
    pub loss_d0_db: f64,
    #[serde(default = "bor_exponent")]
    pub exponent: f64,
    /// Bor et al. measured σ = 3.57 dB; 0 (the default, as in their LoRaSim runs) places
    /// every device at its mean loss.
    #[serde(default)]
    pub shadowing_db: f64,
}

impl Default for PathLoss {
    fn default() -> Self {
        PathLoss {
            d0_m: bor_d0(),
            loss_d0_db: bor_loss_d0(),
            exponent: bor_exponent(),
            shadowing_db: 0.0,
        }
    }
}

fn dbm14() -> f64 {
    14.0
}

/// Bor et al. 2016: reference distance 40 m.
fn bor_d0() -> f64 {
    40.0
}

/// Bor et al. 2016: 127.41 dB lost at the reference distance.
fn bor_loss_d0() -> f64 {
    127.41
}

/// Bor et al. 2016: path-loss exponent 2.08.
fn bor_exponent() -> f64 {
    2.08
}

fn eight() -> Count {
    Count(8)
}

fn one_percent() -> Probability {
    Probability(0.01)
}

fn khz125() -> u32 {
    125
}

fn cr45() -> u8 {
    1
}
