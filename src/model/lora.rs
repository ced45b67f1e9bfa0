//! LoRa time on air, duty-cycle silence and ALOHA collisions.
//!
//! A LoRaWAN device's latency, energy and capacity all follow from how long its frame occupies
//! the channel: the regulator's duty cycle turns airtime into enforced silence, and colliding
//! frames (LoRaWAN uplinks are unslotted, pure ALOHA) overlap for exactly that long. So the
//! simulator computes airtime from the modulation rather than taking it as an input.
//!
//! The formula is Semtech's (SX1272/SX1276 datasheet section 4.1.1.7, LoRa Modem Designer's Guide
//! AN1200.13):
//!
//! ```text
//! T_sym        = 2^SF / BW
//! T_preamble   = (n_preamble + 4.25) T_sym
//! payloadSymbNb = 8 + max(ceil((8 PL − 4 SF + 28 + 16 CRC − 20 IH) / (4 (SF − 2 DE))) (CR + 4), 0)
//! T_packet     = T_preamble + payloadSymbNb T_sym
//! ```
//!
//! with PL the PHY payload in bytes, IH = 1 for an implicit header, DE = 1 when low data rate
//! optimisation is on, and CR = 1..4 for coding rates 4/5..4/8. It is evaluated in integer
//! arithmetic and rounded once, to the nearest microsecond (the engine's tick).

/// Bytes LoRaWAN adds to every uplink's application payload: MHDR (1), DevAddr (4), FCtrl (1),
/// FCnt (2), FPort (1) and MIC (4), without MAC commands in FOpts. The PHY payload of a LoRaWAN
/// frame is `application bytes + LORAWAN_OVERHEAD_BYTES`; [`LoRaPhy::time_on_air_us`] takes the
/// PHY payload, so callers add this themselves.
pub const LORAWAN_OVERHEAD_BYTES: u32 = 13;

/// Preamble symbols a receiver needs undisturbed to lock on a frame: Bor et al. 2016 (and
/// LoRaSim) take 5, so a frame survives an overlap confined to its first `n_preamble − 5`
/// symbols.
pub const PREAMBLE_LOCK_SYMBOLS: u32 = 5;

/// LoRa modulation settings of one transmission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoRaPhy {
    /// Spreading factor, 7..=12: each step doubles the symbol time (and the range margin).
    pub spreading_factor: u8,
    /// Channel bandwidth in Hz: 125_000, 250_000 or 500_000.
    pub bandwidth_hz: u32,
    /// Coding rate 1..=4, meaning 4/5..4/8.
    pub coding_rate: u8,
    /// Programmed preamble length in symbols; 8 in LoRaWAN.
    pub preamble_symbols: u32,
    /// Whether the PHY header (length, coding rate, CRC flag) is sent; LoRaWAN always sends it.
    pub explicit_header: bool,
    /// Whether the payload carries a CRC; on for LoRaWAN uplinks.
    pub crc: bool,
}

impl Default for LoRaPhy {
    /// A LoRaWAN EU868 uplink at its fastest common data rate, DR5: SF7, 125 kHz, CR 4/5,
    /// 8 preamble symbols, explicit header, CRC on.
    fn default() -> Self {
        LoRaPhy {
            spreading_factor: 7,
            bandwidth_hz: 125_000,
            coding_rate: 1,
            preamble_symbols: 8,
            explicit_header: true,
            crc: true,
        }
    }
}

impl LoRaPhy {
    /// The default settings at another spreading factor.
    pub fn sf(spreading_factor: u8) -> LoRaPhy {
        LoRaPhy {
            spreading_factor,
            ..LoRaPhy::default()
        }
    }

    /// Whether the settings are ones LoRa radios use: SF 7..=12, a 125, 250 or 500 kHz channel,
    /// coding rate 1..=4.
    pub fn is_valid(&self) -> bool {
        (7..=12).contains(&self.spreading_factor)
            && matches!(self.bandwidth_hz, 125_000 | 250_000 | 500_000)
            && (1..=4).contains(&self.coding_rate)
    }

    /// Symbol time in microseconds, 2^SF / BW, exact as a fraction (numerator, denominator).
    fn symbol_fraction_us(&self) -> (u128, u128) {
        (
            (1u128 << self.spreading_factor) * 1_000_000,
            u128::from(self.bandwidth_hz),
        )
    }

    /// Whether low data rate optimisation is on: the SX1276 datasheet mandates it when a symbol
    /// lasts more than 16 ms, so that clock drift over a long symbol does not break decoding.
    /// That is SF11 and SF12 at 125 kHz (16.4 and 32.8 ms), and SF12 at 250 kHz (16.4 ms).
    pub fn low_data_rate_optimize(&self) -> bool {
        let (num, den) = self.symbol_fraction_us();
        num > 16_000 * den
    }

    /// How long another frame may still be on air after this one starts without disturbing
    /// it, in microseconds: the first `preamble_symbols − 5` preamble symbols, since a receiver
    /// locks on the last [`PREAMBLE_LOCK_SYMBOLS`] (Bor et al. 2016, LoRaSim's
    /// `timingCollision`: 3 symbols of LoRaWAN's 8). The symbol time 2^SF/BW is a whole
    /// number of microseconds at 125, 250 and 500 kHz.
    pub fn lock_margin_us(&self) -> u64 {
        let (num, den) = self.symbol_fraction_us();
        let symbols = self.preamble_symbols.saturating_sub(PREAMBLE_LOCK_SYMBOLS);
        (u128::from(symbols) * num / den) as u64
    }

    /// Number of payload symbols, header and CRC included (`payloadSymbNb`).
    pub fn payload_symbols(&self, phy_payload_bytes: u32) -> u64 {
        let sf = i64::from(self.spreading_factor);
        let de = i64::from(self.low_data_rate_optimize());
        let numerator =
            8 * i64::from(phy_payload_bytes) - 4 * sf + 28 + if self.crc { 16 } else { 0 }
                - if self.explicit_header { 0 } else { 20 };
        let denominator = 4 * (sf - 2 * de);
        let blocks = if numerator > 0 {
            (numerator + denominator - 1) / denominator
        } else {
            0
        };
        8 + (blocks as u64) * (u64::from(self.coding_rate) + 4)
    }

    /// Time on air of a frame with `phy_payload_bytes` of PHY payload, in microseconds rounded
    /// to the nearest. For LoRaWAN pass the application payload plus
    /// [`LORAWAN_OVERHEAD_BYTES`].
    pub fn time_on_air_us(&self, phy_payload_bytes: u32) -> u64 {
        debug_assert!(self.is_valid(), "LoRa settings out of range: {self:?}");
        // Total length in quarter symbols: the preamble's 4.25 extra symbols are 17 quarters.
        let quarters = 4
            * (u128::from(self.preamble_symbols)
                + u128::from(self.payload_symbols(phy_payload_bytes)))
            + 17;
        let (num, den) = self.symbol_fraction_us();
        let num = quarters * num;
        let den = 4 * den;
        ((num + den / 2) / den) as u64
    }
}

/// The silence a device must keep after a transmission of `toa_us` under a duty-cycle limit
/// (ETSI EN 300 220: 1% in the EU868 g1 sub-band where LoRaWAN's default channels sit), so
/// that airtime over airtime-plus-silence equals the limit: `toa × (1/dc − 1)`, rounded to the
/// nearest microsecond. A duty cycle of 1 needs no silence.
///
/// # Panics
/// If `duty_cycle` is not in (0, 1].
pub fn duty_cycle_off_time_us(toa_us: u64, duty_cycle: f64) -> u64 {
    assert!(
        duty_cycle > 0.0 && duty_cycle <= 1.0,
        "a duty cycle is a fraction in (0, 1], got {duty_cycle}"
    );
    (toa_us as f64 * (1.0 - duty_cycle) / duty_cycle).round() as u64
}

/// Probability that a pure-ALOHA frame escapes collision, `e^{-2G}`, for a Poisson offered load
/// `G` in frames per frame time: a frame survives only if no other starts within one frame time
/// before or after its own start (the vulnerable period is two frame times).
pub fn aloha_success(offered_load: f64) -> f64 {
    (-2.0 * offered_load).exp()
}

/// Probability that a slotted-ALOHA frame escapes collision, `e^{-G}`: frames start only at
/// slot boundaries and last at most a slot, so two collide only when they pick the same slot
/// and the vulnerable period shrinks to one frame time (throughput `G e^{-G}`, peak `1/e` at
/// `G = 1`).
pub fn slotted_aloha_success(offered_load: f64) -> f64 {
    (-offered_load).exp()
}

/// Receiver sensitivity in dBm at spreading factor `sf` (7..=12) and bandwidth `bandwidth_hz`
/// (125, 250 or 500 kHz): the weakest signal the radio still decodes. Semtech SX1272/73
/// datasheet (Rev. 2, July 2014), LoRa receiver specification, RFS_L125, RFS_L250 and
/// RFS_L500 (highest LNA gain, LNA boost): each SF step buys about 2.5 to 3 dB, each halving
/// of the bandwidth about 3 dB.
pub fn sensitivity_dbm(sf: u8, bandwidth_hz: u32) -> f64 {
    const BW125: [f64; 6] = [-124.0, -127.0, -130.0, -133.0, -135.0, -137.0];
    const BW250: [f64; 6] = [-122.0, -125.0, -128.0, -130.0, -132.0, -135.0];
    const BW500: [f64; 6] = [-116.0, -119.0, -122.0, -125.0, -128.0, -129.0];
    let row = match bandwidth_hz {
        125_000 => &BW125,
        250_000 => &BW250,
        _ => &BW500,
    };
    row[usize::from(sf.clamp(7, 12) - 7)]
}

/// Which receiver sensitivities decide a device's range and its spreading factor.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub enum Sensitivity {
    /// Semtech's SX1272/73 datasheet ([`sensitivity_dbm`]).
    #[default]
    Datasheet,
    /// Bor et al. 2016's own measurements (their Table 3, the table LoRaSim uses,
    /// [`lorasim_sensitivity_dbm`]): for reproducing LoRaSim's runs.
    LoRaSim,
}

impl Sensitivity {
    /// The sensitivity in dBm at spreading factor `sf` and bandwidth `bandwidth_hz`.
    pub fn dbm(self, sf: u8, bandwidth_hz: u32) -> f64 {
        match self {
            Sensitivity::Datasheet => sensitivity_dbm(sf, bandwidth_hz),
            Sensitivity::LoRaSim => lorasim_sensitivity_dbm(sf, bandwidth_hz),
        }
    }
}

/// Receiver sensitivity in dBm as Bor et al. 2016 measured it on their SX1276 boards (Table 3
/// of "Do LoRa Low-Power Wide-Area Networks Scale?", the table of LoRaSim): up to 2.5 dB
/// better than the datasheet at SF7 to SF11 and, unlike it, not monotone: their SF12 at
/// 125 kHz (−133.25) is worse than their SF11 (−134.5).
pub fn lorasim_sensitivity_dbm(sf: u8, bandwidth_hz: u32) -> f64 {
    const BW125: [f64; 6] = [-126.5, -127.25, -131.25, -132.75, -134.5, -133.25];
    const BW250: [f64; 6] = [-124.25, -126.75, -128.25, -130.25, -132.75, -132.25];
    const BW500: [f64; 6] = [-120.75, -124.0, -127.5, -128.75, -128.75, -132.25];
    let row = match bandwidth_hz {
        125_000 => &BW125,
        250_000 => &BW250,
        _ => &BW500,
    };
    row[usize::from(sf.clamp(7, 12) - 7)]
}

/// The lowest spreading factor from `min_sf` up to 12 whose sensitivity a signal received at
/// `rx_dbm` meets (the one with the shortest time on air that still gets through, what a
/// LoRaWAN network server's adaptive data rate converges to); `None` when even SF12 cannot
/// hear it: the device is out of range.
pub fn lowest_spreading_factor(rx_dbm: f64, min_sf: u8, bandwidth_hz: u32) -> Option<u8> {
    (min_sf..=12).find(|&sf| rx_dbm >= sensitivity_dbm(sf, bandwidth_hz))
}

/// Log-distance path loss, `PL(d) = PL(d0) + 10 γ log10(d / d0)` (plus, per device, a normal
/// shadowing term of standard deviation σ drawn by the caller). Bor et al. 2016 ("Do LoRa
/// Low-Power Wide-Area Networks Scale?", MSWiM) fitted d0 = 40 m, PL(d0) = 127.41 dB, γ = 2.08
/// and σ = 3.57 dB to their measurements at 868 MHz in a built-up area.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LogDistance {
    pub d0_m: f64,
    pub loss_d0_db: f64,
    pub exponent: f64,
}

impl LogDistance {
    /// Bor et al. 2016's fit (see the type's doc).
    pub const BOR_2016: LogDistance = LogDistance {
        d0_m: 40.0,
        loss_d0_db: 127.41,
        exponent: 2.08,
    };

    /// Mean path loss in dB at `distance_m` (clamped to 1 m: the law has no meaning at 0).
    pub fn loss_db(&self, distance_m: f64) -> f64 {
        self.loss_d0_db + 10.0 * self.exponent * (distance_m.max(1.0) / self.d0_m).log10()
    }

    /// The distance at which the mean path loss reaches `loss_db`: the inverse of
    /// [`LogDistance::loss_db`].
    pub fn distance_m(&self, loss_db: f64) -> f64 {
        self.d0_m * 10f64.powf((loss_db - self.loss_d0_db) / (10.0 * self.exponent))
    }
}

/// Whether a LoRa frame received at `rx_dbm` survives one that overlaps it, received at
/// `other_dbm`, on the same channel and spreading factor: with a capture threshold
/// (`Some(dB)`, 6 dB in Bor et al. 2016 and LoRaSim) the receiver locks on the stronger
/// frame if it is at least that much stronger; without one (`None`) every overlap destroys
/// both.
pub fn survives_overlap(rx_dbm: f64, other_dbm: f64, capture_db: Option<f64>) -> bool {
    capture_db.is_some_and(|threshold| rx_dbm - other_dbm >= threshold)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phy(sf: u8, bw_khz: u32) -> LoRaPhy {
        LoRaPhy {
            bandwidth_hz: bw_khz * 1000,
            ..LoRaPhy::sf(sf)
        }
    }

    #[test]
    fn defaults_are_a_lorawan_eu868_uplink() {
        let p = LoRaPhy::default();
        assert_eq!(
            (p.spreading_factor, p.bandwidth_hz, p.coding_rate),
            (7, 125_000, 1)
        );
        assert_eq!(p.preamble_symbols, 8);
        assert!(p.explicit_header && p.crc && p.is_valid());
    }

    #[test]
    fn low_data_rate_optimisation_follows_the_16_ms_symbol_rule() {
        for sf in 7..=10 {
            assert!(!phy(sf, 125).low_data_rate_optimize(), "SF{sf}");
        }
        assert!(phy(11, 125).low_data_rate_optimize());
        assert!(phy(12, 125).low_data_rate_optimize());
        assert!(!phy(11, 250).low_data_rate_optimize());
        assert!(phy(12, 250).low_data_rate_optimize());
        assert!(!phy(12, 500).low_data_rate_optimize());
    }

    /// avbentem/airtime-calculator (the TTN airtime calculator), src/lora/Airtime.test.ts,
    /// checked against Thomas Telkamp's AN1200.13 spreadsheet; arguments are PHY payloads.
    #[test]
    fn matches_the_ttn_airtime_calculator() {
        let sf7 = LoRaPhy::default();
        assert_eq!(sf7.time_on_air_us(14), 46_336);
        assert_eq!(sf7.time_on_air_us(15), 46_336);
        assert_eq!(sf7.time_on_air_us(16), 51_456);
        assert_eq!(sf7.time_on_air_us(25), 61_696);
        assert_eq!(phy(7, 250).time_on_air_us(14), 23_168);
        assert_eq!(phy(7, 250).time_on_air_us(25), 30_848);
        let cr48 = LoRaPhy {
            coding_rate: 4,
            ..sf7
        };
        assert_eq!(cr48.time_on_air_us(14), 61_696);
        assert_eq!(cr48.time_on_air_us(25), 86_272);
        assert_eq!(phy(8, 125).time_on_air_us(14), 82_432);
        assert_eq!(phy(8, 125).time_on_air_us(25), 113_152);
        // SF11 switches low data rate optimisation on.
        assert_eq!(phy(11, 125).time_on_air_us(14), 659_456);
        assert_eq!(phy(11, 125).time_on_air_us(25), 823_296);
    }

    /// SF7/125 kHz/CR 4/5 with a 10-byte application payload: 13 + 10 = 23 bytes of PHY payload
    /// need 48 symbols like the 25 bytes above: 61.696 ms, shown by the TTN calculator as 61.7 ms.
    #[test]
    fn sf7_with_ten_bytes_of_lorawan_payload() {
        let toa = LoRaPhy::default().time_on_air_us(LORAWAN_OVERHEAD_BYTES + 10);
        assert_eq!(toa, 61_696);
        assert_eq!(LoRaPhy::default().payload_symbols(23), 48);
    }

    /// SF12/125 kHz with LoRaWAN's largest EU868 DR0 application payload, 51 bytes (64 PHY):
    /// 2793.472 ms in tanupoo/lorawan_toa (README and test.py test_2, test_21, test_22), which
    /// also shows that an implicit header or no CRC leaves the symbol count unchanged here.
    #[test]
    fn sf12_with_the_largest_dr0_payload() {
        let sf12 = LoRaPhy::sf(12);
        assert_eq!(sf12.time_on_air_us(LORAWAN_OVERHEAD_BYTES + 51), 2_793_472);
        let implicit = LoRaPhy {
            explicit_header: false,
            ..sf12
        };
        assert_eq!(implicit.time_on_air_us(64), 2_793_472);
        let no_crc = LoRaPhy { crc: false, ..sf12 };
        assert_eq!(no_crc.time_on_air_us(64), 2_793_472);
        // tanupoo/lorawan_toa test.py test_11, test_12, test_13: 32 bytes at SF12, SF11 and
        // SF12/250 kHz (whose 16.4 ms symbol turns low data rate optimisation on).
        assert_eq!(sf12.time_on_air_us(32), 1_810_432);
        assert_eq!(LoRaPhy::sf(11).time_on_air_us(32), 987_136);
        assert_eq!(phy(12, 250).time_on_air_us(32), 905_216);
        // SF12 with a bare 13-byte LoRaWAN frame: 1155.072 ms.
        assert_eq!(sf12.time_on_air_us(13), 1_155_072);
    }

    /// Thomas Telkamp's LoRa airtime spreadsheet ("Formulas taken from AN1200.13"): 13 bytes at
    /// SF9/125 kHz/CR 4/5 → 28 payload symbols, 164.864 ms.
    #[test]
    fn sf9_matches_the_an1200_13_spreadsheet() {
        assert_eq!(LoRaPhy::sf(9).time_on_air_us(13), 164_864);
        assert_eq!(LoRaPhy::sf(9).payload_symbols(13), 28);
    }

    /// RF Wireless World LoRaWAN airtime calculator: a 10-byte PHY payload at 125 kHz/CR 4/5
    /// takes 41, 72, 144, 289, 578 and 991 ms at SF7..SF12 (rounded to the ms), with the
    /// worked examples SF7 → 41.216 ms and SF11 → 577.536 ms given exactly.
    #[test]
    fn every_spreading_factor_matches_the_rf_wireless_world_table() {
        let exact = [41_216, 72_192, 144_384, 288_768, 577_536, 991_232];
        let table_ms = [41, 72, 144, 289, 578, 991];
        for (i, sf) in (7..=12).enumerate() {
            let toa = LoRaPhy::sf(sf).time_on_air_us(10);
            assert_eq!(toa, exact[i], "SF{sf}");
            assert_eq!((toa + 500) / 1000, table_ms[i], "SF{sf} rounded");
        }
        // tanupoo/lorawan_toa test_31: 12 bytes at SF7 fit in the same symbols as 10.
        assert_eq!(LoRaPhy::default().time_on_air_us(12), 41_216);
    }

    /// tanupoo/lorawan_toa test.py test_41, test_99 and test_3 (from its older test file):
    /// non-LoRaWAN settings exercise every term of the formula.
    #[test]
    fn plain_lora_settings() {
        let short = LoRaPhy {
            spreading_factor: 7,
            bandwidth_hz: 500_000,
            coding_rate: 4,
            preamble_symbols: 6,
            explicit_header: false,
            crc: false,
        };
        assert_eq!(short.time_on_air_us(12), 10_816);
        let sf12_500 = LoRaPhy {
            spreading_factor: 12,
            bandwidth_hz: 500_000,
            coding_rate: 1,
            preamble_symbols: 6,
            explicit_header: false,
            crc: true,
        };
        assert_eq!(sf12_500.time_on_air_us(8), 190_464);
        assert_eq!(phy(7, 500).time_on_air_us(255), 99_904);
    }

    #[test]
    fn an_empty_payload_still_sends_the_minimum_eight_symbols() {
        let p = LoRaPhy {
            explicit_header: false,
            crc: false,
            ..LoRaPhy::sf(12)
        };
        // 8·0 − 48 + 28 < 0: only the 8 fixed symbols follow the preamble.
        assert_eq!(p.payload_symbols(0), 8);
        // (8 + 8 + 4.25) × 32.768 ms.
        assert_eq!(p.time_on_air_us(0), 663_552);
    }

    #[test]
    fn airtime_grows_with_payload_and_spreading_factor() {
        for sf in 7..=12 {
            let p = LoRaPhy::sf(sf);
            let mut last = 0;
            for bytes in 0..=255 {
                let toa = p.time_on_air_us(bytes);
                assert!(toa >= last, "SF{sf} {bytes} bytes");
                last = toa;
            }
            if sf > 7 {
                assert!(p.time_on_air_us(23) > LoRaPhy::sf(sf - 1).time_on_air_us(23));
            }
        }
    }

    #[test]
    fn one_percent_duty_cycle_means_99_times_the_airtime_in_silence() {
        assert_eq!(duty_cycle_off_time_us(61_696, 0.01), 6_107_904);
        assert_eq!(duty_cycle_off_time_us(2_793_472, 0.01), 276_553_728);
        // 0.1% sub-bands: 999 times.
        assert_eq!(duty_cycle_off_time_us(1_000, 0.001), 999_000);
        assert_eq!(duty_cycle_off_time_us(61_696, 1.0), 0);
        // Telkamp's spreadsheet: 164.864 ms at 1% → next packet may start 16.4864 s later.
        let toa = LoRaPhy::sf(9).time_on_air_us(13);
        assert_eq!(toa + duty_cycle_off_time_us(toa, 0.01), 16_486_400);
    }

    #[test]
    #[should_panic(expected = "duty cycle")]
    fn a_zero_duty_cycle_is_refused() {
        duty_cycle_off_time_us(1_000, 0.0);
    }

    #[test]
    fn pure_aloha_peaks_at_half_a_frame_per_frame_time() {
        assert_eq!(aloha_success(0.0), 1.0);
        let g: f64 = 0.5;
        assert!((aloha_success(g) - (-1.0f64).exp()).abs() < 1e-15);
        // Throughput G·e^{-2G} is largest at G = 1/2, where it is 1/(2e) ≈ 18.4%.
        let throughput = |g: f64| g * aloha_success(g);
        assert!(throughput(0.5) > throughput(0.45) && throughput(0.5) > throughput(0.55));
        assert!((throughput(0.5) - 1.0 / (2.0 * std::f64::consts::E)).abs() < 1e-15);
    }

    #[test]
    fn slotted_aloha_halves_the_vulnerable_period() {
        assert_eq!(slotted_aloha_success(0.0), 1.0);
        // Throughput G·e^{-G} peaks at G = 1 with 1/e ≈ 36.8%, twice pure ALOHA's 1/(2e).
        let throughput = |g: f64| g * slotted_aloha_success(g);
        assert!(throughput(1.0) > throughput(0.9) && throughput(1.0) > throughput(1.1));
        assert!((throughput(1.0) - 2.0 * 0.5 * aloha_success(0.5)).abs() < 1e-15);
    }

    #[test]
    fn sensitivity_improves_with_spreading_factor_and_narrower_bandwidth() {
        assert_eq!(sensitivity_dbm(7, 125_000), -124.0);
        assert_eq!(sensitivity_dbm(12, 125_000), -137.0);
        assert_eq!(sensitivity_dbm(12, 500_000), -129.0);
        for sf in 8..=12 {
            for bw in [125_000, 250_000, 500_000] {
                assert!(
                    sensitivity_dbm(sf, bw) < sensitivity_dbm(sf - 1, bw),
                    "SF{sf} {bw}"
                );
            }
            assert!(sensitivity_dbm(sf, 125_000) < sensitivity_dbm(sf, 250_000));
            assert!(sensitivity_dbm(sf, 250_000) < sensitivity_dbm(sf, 500_000));
        }
    }

    #[test]
    fn lorasims_measured_table_is_picked_by_name() {
        assert_eq!(Sensitivity::default(), Sensitivity::Datasheet);
        assert_eq!(Sensitivity::Datasheet.dbm(9, 250_000), -128.0);
        assert_eq!(Sensitivity::LoRaSim.dbm(7, 125_000), -126.5);
        assert_eq!(Sensitivity::LoRaSim.dbm(11, 125_000), -134.5);
        assert_eq!(Sensitivity::LoRaSim.dbm(12, 125_000), -133.25);
        assert_eq!(Sensitivity::LoRaSim.dbm(12, 500_000), -132.25);
        assert_eq!(Sensitivity::LoRaSim.dbm(8, 500_000), -124.0);
    }

    #[test]
    fn the_lowest_spreading_factor_that_the_link_budget_meets() {
        assert_eq!(lowest_spreading_factor(-100.0, 7, 125_000), Some(7));
        assert_eq!(lowest_spreading_factor(-124.0, 7, 125_000), Some(7));
        assert_eq!(lowest_spreading_factor(-124.5, 7, 125_000), Some(8));
        assert_eq!(lowest_spreading_factor(-136.0, 7, 125_000), Some(12));
        assert_eq!(lowest_spreading_factor(-137.5, 7, 125_000), None);
        // A floor above SF7 is kept even for a strong signal.
        assert_eq!(lowest_spreading_factor(-60.0, 10, 125_000), Some(10));
    }

    #[test]
    fn log_distance_path_loss_follows_bor_et_al() {
        let pl = LogDistance::BOR_2016;
        assert_eq!(pl.loss_db(40.0), 127.41);
        // Ten times farther costs 10·γ = 20.8 dB.
        assert!((pl.loss_db(400.0) - 148.21).abs() < 1e-9);
        assert!((pl.distance_m(pl.loss_db(1234.0)) - 1234.0).abs() < 1e-6);
        // 14 dBm against SF12's −137 dBm: a 151 dB budget reaches about 545 m.
        let reach = pl.distance_m(14.0 + 137.0);
        assert!((reach - 544.7).abs() < 0.5, "{reach}");
        assert_eq!(pl.loss_db(0.0), pl.loss_db(1.0));
    }

    /// LoRaSim's `timingCollision`: (8 − 5) symbols of 2^SF/BW, 3 × 32.768 ms at SF12/125 kHz.
    #[test]
    fn the_lock_margin_is_three_of_eight_preamble_symbols() {
        assert_eq!(LoRaPhy::sf(12).lock_margin_us(), 98_304);
        assert_eq!(LoRaPhy::sf(7).lock_margin_us(), 3_072);
        assert_eq!(phy(7, 500).lock_margin_us(), 768);
        let short = LoRaPhy {
            preamble_symbols: 4,
            ..LoRaPhy::sf(9)
        };
        assert_eq!(short.lock_margin_us(), 0);
    }

    #[test]
    fn the_stronger_frame_is_captured_only_past_the_threshold() {
        assert!(survives_overlap(-100.0, -106.0, Some(6.0)));
        assert!(!survives_overlap(-100.0, -105.9, Some(6.0)));
        assert!(!survives_overlap(-106.0, -100.0, Some(6.0)));
        assert!(!survives_overlap(-60.0, -120.0, None));
    }
}
