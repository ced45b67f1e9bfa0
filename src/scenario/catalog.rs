//! A catalogue of link technologies with defensible default numbers.
//!
//! Most people writing a scenario know which radio or wire they use ("LTE backhaul, Zigbee
//! sensors") but not its latency distribution, residual loss or attach time. This catalogue
//! gives one preset per technology so a scenario can say `tech: Lte` and start from numbers that
//! are sourced, plausible and on the conservative side, then override what it has measured.
//!
//! What each number means:
//!
//! - `latency` is the one-way delay of a ~50-byte message across this technology's own hop:
//!   device to gateway for access links, gateway to the carrier's internet breakout for uplinks.
//!   The public-internet leg to a cloud region is not included.
//! - `loss` is the residual application-level loss after the link layer's own retries, in the
//!   good state of the channel.
//! - `burst` is a per-message Gilbert-Elliott channel for the fading and interference bursts a
//!   radio suffers (see `model::link` for its semantics). Wired Ethernet has none.
//! - `data_rate_bps` is the usable application throughput one device or gateway sees: what
//!   bounds how fast a backlog drains, not the PHY peak in a brochure.
//! - `attach` is the time to (re)join, attach or register after power-up or a switch.
//! - `energy_mj_per_message` is the typical radio energy of one ~50-byte uplink, wake-up
//!   included, for battery-life estimates.
//!
//! Every number carries a comment with its source or, where no single source fits, the
//! reasoning behind it ("reasoning: ..."). When a source and conservatism disagree, the
//! catalogue leans towards worse performance: a design that survives these numbers is more
//! likely to survive the field.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::values::{Dist, GilbertElliott, Positive, Probability};
use crate::engine::Duration;

/// A hop that may lose a message and delays the ones it carries. `tech: Lte` starts from the
/// catalogue's preset (`iotwin catalog` lists them); any field written overrides the preset.
/// Without `tech`, an unwritten field means perfect: no loss, no delay, no rate limit.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    #[serde(default)]
    pub tech: Option<Tech>,
    #[serde(default)]
    pub loss: Option<Probability>,
    #[serde(default)]
    pub latency: Option<Dist>,
    /// Bursty loss on top of `loss` (which then applies in the good state).
    #[serde(default)]
    pub burst: Option<GilbertElliott>,
    /// Usable throughput in bits per second: sending a message occupies the link for its size
    /// over this rate, and messages queue for it at the gateway (uplinks only).
    #[serde(default)]
    pub data_rate_bps: Option<Positive>,
}

/// A link technology. Scenario files name it by its variant, e.g. `tech: Lte`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub enum Tech {
    WiFi,
    Ble,
    Zigbee,
    Thread,
    LoRaWan,
    NbIot,
    LteM,
    Lte,
    FiveG,
    Private5G,
    Ethernet,
    Satellite,
}

impl Tech {
    /// Every technology, in the order the catalogue lists them.
    pub const ALL: [Tech; 12] = [
        Tech::Ethernet,
        Tech::WiFi,
        Tech::Ble,
        Tech::Zigbee,
        Tech::Thread,
        Tech::LoRaWan,
        Tech::NbIot,
        Tech::LteM,
        Tech::Lte,
        Tech::FiveG,
        Tech::Private5G,
        Tech::Satellite,
    ];

    /// The name people use for it, for reports.
    pub fn name(self) -> &'static str {
        match self {
            Tech::WiFi => "Wi-Fi",
            Tech::Ble => "Bluetooth LE",
            Tech::Zigbee => "Zigbee",
            Tech::Thread => "Thread/Matter",
            Tech::LoRaWan => "LoRaWAN",
            Tech::NbIot => "NB-IoT",
            Tech::LteM => "LTE-M",
            Tech::Lte => "LTE (4G)",
            Tech::FiveG => "5G",
            Tech::Private5G => "Private 5G",
            Tech::Ethernet => "Ethernet",
            Tech::Satellite => "Satellite",
        }
    }

    /// The identifier a scenario file uses: the serde name of the variant.
    pub fn id(self) -> &'static str {
        match self {
            Tech::WiFi => "WiFi",
            Tech::Ble => "Ble",
            Tech::Zigbee => "Zigbee",
            Tech::Thread => "Thread",
            Tech::LoRaWan => "LoRaWan",
            Tech::NbIot => "NbIot",
            Tech::LteM => "LteM",
            Tech::Lte => "Lte",
            Tech::FiveG => "FiveG",
            Tech::Private5G => "Private5G",
            Tech::Ethernet => "Ethernet",
            Tech::Satellite => "Satellite",
        }
    }
}

/// Where a technology usually sits in a deployment: so a tool can warn when a scenario puts,
/// say, Zigbee between a gateway and the cloud.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub enum Role {
    /// Device to gateway.
    Access,
    /// Gateway to the cloud (backhaul).
    Uplink,
    /// Used for either.
    Both,
}

impl Role {
    fn label(self) -> &'static str {
        match self {
            Role::Access => "access",
            Role::Uplink => "uplink",
            Role::Both => "both",
        }
    }
}

/// Default characteristics of one technology; see the module documentation for what each
/// field means.
#[derive(Clone, Debug, Serialize)]
pub struct Preset {
    pub tech: Tech,
    pub role: Role,
    pub latency: Dist,
    pub loss: f64,
    pub burst: Option<GilbertElliott>,
    pub data_rate_bps: f64,
    pub attach: Dist,
    pub energy_mj_per_message: f64,
}

impl Preset {
    /// The preset as a scenario link, every field written out.
    pub fn link(&self) -> Link {
        Link {
            tech: Some(self.tech),
            loss: Some(Probability(self.loss)),
            latency: Some(self.latency.clone()),
            burst: self.burst,
            data_rate_bps: Some(Positive(self.data_rate_bps)),
        }
    }

    /// Median one-way latency.
    pub fn latency_median(&self) -> Duration {
        median(&self.latency)
    }

    /// Median attach time.
    pub fn attach_median(&self) -> Duration {
        median(&self.attach)
    }

    /// Long-run share of the messages the bad state of the burst channel loses (0 without
    /// bursts): stationary bad-state probability enter / (enter + leave) times its loss.
    pub fn burst_loss(&self) -> f64 {
        self.burst.map_or(0.0, |b| bad_share(&b) * b.loss.0)
    }

    /// Long-run message loss, good and bad states together.
    pub fn mean_loss(&self) -> f64 {
        match self.burst {
            None => self.loss,
            Some(b) => {
                let bad = bad_share(&b);
                (1.0 - bad) * self.loss + bad * b.loss.0
            }
        }
    }
}

/// Stationary probability that a message meets the bad state.
fn bad_share(b: &GilbertElliott) -> f64 {
    let total = b.enter.0 + b.leave.0;
    if total > 0.0 { b.enter.0 / total } else { 0.0 }
}

/// The median of a duration distribution; for `Jitter` the period plus the jitter's median,
/// which is what a reader of the table wants even though it is not the exact median of a sum.
fn median(d: &Dist) -> Duration {
    let ticks = |x: f64| Duration(x.round().max(0.0) as u64);
    match d {
        Dist::Fixed(v) => *v,
        Dist::Exponential { mean } => ticks(mean.0 as f64 * std::f64::consts::LN_2),
        Dist::Weibull { shape, scale } => {
            ticks(scale.0 as f64 * std::f64::consts::LN_2.powf(1.0 / shape.0))
        }
        Dist::LogNormal { median, .. } => *median,
        Dist::Uniform { min, max } => Duration(min.0 / 2 + max.0 / 2 + (min.0 % 2 + max.0 % 2) / 2),
        Dist::Jitter { period, jitter } => Duration(period.0.saturating_add(median(jitter).0)),
        // The earliest of the risks' medians: an upper bound of the true median, enough for a
        // table.
        Dist::First(risks) => risks.iter().map(median).min().unwrap_or(Duration::ZERO),
        Dist::Bathtub {
            infant,
            random,
            wearout,
        } => [infant, random, wearout]
            .into_iter()
            .map(|d| median(d))
            .min()
            .unwrap_or(Duration::ZERO),
        Dist::Gamma { shape, scale, mean } => {
            let scale = scale.map_or_else(
                || mean.map_or(0.0, |m| m.0 as f64 / shape.0),
                |s| s.0 as f64,
            );
            ticks(
                crate::engine::DurationDist::gamma(shape.0, scale).map_or(0.0, |g| g.quantile(0.5)),
            )
        }
        Dist::Erlang { k, mean } => {
            ticks(crate::engine::DurationDist::erlang(k.0, mean.0).map_or(0.0, |g| g.quantile(0.5)))
        }
        Dist::Empirical { durations, .. } => {
            let mut sorted = durations.clone().unwrap_or_default();
            sorted.sort_unstable_by_key(|d| d.0);
            // A law read from a file has no median here: presets never read files.
            sorted
                .get(sorted.len() / 2)
                .copied()
                .unwrap_or(Duration::ZERO)
        }
        // A mixture's median lies between its parts' medians: the smallest, enough for a table.
        Dist::Mixture { laws, .. } => laws.iter().map(median).min().unwrap_or(Duration::ZERO),
    }
}

fn lognormal(median: Duration, sigma: f64) -> Dist {
    Dist::LogNormal {
        median,
        sigma: Positive(sigma),
    }
}

fn burst(enter: f64, leave: f64, loss: f64) -> Option<GilbertElliott> {
    Some(GilbertElliott {
        enter: Probability(enter),
        leave: Probability(leave),
        loss: Probability(loss),
    })
}

const fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

const fn s(v: u64) -> Duration {
    Duration::from_secs(v)
}

/// The catalogue's preset for one technology.
pub fn preset(t: Tech) -> Preset {
    match t {
        Tech::Ethernet => Preset {
            tech: t,
            role: Role::Both,
            // reasoning: a switched LAN hop takes well under 0.1 ms; 1 ms covers both network
            // stacks. Constant: wired paths have no fading to spread it.
            latency: Dist::Fixed(ms(1)),
            // reasoning: IEEE 802.3 specifies a bit error ratio of at most 1e-12, i.e. ~1e-9 per
            // small frame; 1e-6 is a conservative floor for switch drops and port flaps.
            loss: 1e-6,
            // reasoning: no fading or interference bursts on a wire.
            burst: None,
            // reasoning: 100BASE-TX, 100 Mbit/s less Ethernet/IP/TCP framing (1460 payload
            // bytes per 1538 on the wire) ≈ 94 Mbit/s of goodput.
            data_rate_bps: 94e6,
            // reasoning: link auto-negotiation (IEEE 802.3 clause 28; 1000BASE-T link-up takes
            // a few seconds) plus a DHCP exchange.
            attach: lognormal(s(3), 0.3),
            // reasoning: the PHY of a mains-powered device is on anyway (hundreds of mW); a
            // 50-byte frame adds microseconds of transmission. 0.01 mJ is a token floor.
            energy_mj_per_message: 0.01,
        },
        Tech::WiFi => Preset {
            tech: t,
            role: Role::Both,
            // reasoning: 802.11 channel access and AP forwarding take 1-3 ms on a lightly loaded
            // WLAN; power-save buffering and contention give a tail of tens of ms (sigma 1).
            latency: lognormal(ms(5), 1.0),
            // reasoning: the 802.11 MAC retries each frame up to 7 times (dot11ShortRetryLimit
            // default), hiding most frame errors; what remains comes from AP overload, roaming.
            loss: 0.002,
            // reasoning: 2.4 GHz interference (microwave ovens, neighbouring networks) in bursts
            // of ~10 messages (leave 0.1), entered 1 message in 500; stationary loss ≈ 1%.
            burst: burst(0.002, 0.1, 0.5),
            // reasoning: an IoT-class station (e.g. ESP32) sustains tens of Mbit/s in iperf next
            // to the AP; 10 Mbit/s allows for range and a shared channel.
            data_rate_bps: 10e6,
            // glenn20/upy-esp32-experiments, ESPNowvsWifiEnergyUsage: ESP32 connect to Wi-Fi
            // with DHCP 1626 ms (734 ms with a static IP); sigma 0.5 for busy APs and retries.
            attach: lognormal(ms(1600), 0.5),
            // glenn20/upy-esp32-experiments: wake from deep sleep, join with static IP and send
            // one MQTT message in 774 ms, 108.6 mC at 5 V (≈ 540 mJ at the board); reasoning:
            // ≈ 0.77 s × 120 mA × 3.3 V ≈ 300 mJ of that is the radio.
            energy_mj_per_message: 300.0,
        },
        Tech::Ble => Preset {
            tech: t,
            role: Role::Access,
            // reasoning: a message waits for the next connection event, uniform over a
            // connection interval of typically 100 ms (median 50 ms); sigma 0.7 for longer
            // intervals and retransmissions in later events.
            latency: lognormal(ms(50), 0.7),
            // reasoning: the link layer retransmits until acknowledged, so loss comes from
            // supervision timeouts (disconnections) with data queued.
            loss: 0.005,
            // reasoning: body shadowing and Wi-Fi co-channel interference; bursts of ~5 messages
            // (leave 0.2) entered 1 in 200; stationary loss ≈ 1.2%.
            burst: burst(0.005, 0.2, 0.5),
            // reasoning: the 1 Mbit/s PHY carries only a few 20-byte (BLE 4.x) packets per
            // connection event; typical stacks and intervals give tens to ~100 kbit/s.
            data_rate_bps: 100e3,
            // reasoning: the gateway must catch an advertisement (intervals 100 ms to 1 s), then
            // connect and discover GATT services, a few hundred ms more.
            attach: lognormal(s(1), 0.7),
            // reasoning: nRF52832 product specification, TX 5.3 mA at 0 dBm and RX 5.4 mA with
            // DC/DC at 3 V; a connection event with one 50-byte packet keeps the radio on ~2 ms
            // with crystal start-up and ramp-up ≈ 0.03 mJ; 0.05 mJ with the MCU's wake-up.
            energy_mj_per_message: 0.05,
        },
        Tech::Zigbee => Preset {
            tech: t,
            role: Role::Access,
            // reasoning: IEEE 802.15.4 at 250 kbit/s: a frame of ~80 bytes is 2.6 ms on air;
            // with CSMA-CA back-off and the ACK ≈ 8-10 ms per hop, 2-3 hops to the coordinator.
            latency: lognormal(ms(30), 0.7),
            // reasoning: MAC retries (macMaxFrameRetries = 3, IEEE 802.15.4) and APS retries
            // leave ~1% over a multi-hop mesh with route changes.
            loss: 0.01,
            // reasoning: 2.4 GHz interference from Wi-Fi, bursts of ~10 messages; stationary
            // loss ≈ 1.5%.
            burst: burst(0.003, 0.1, 0.5),
            // reasoning: 250 kbit/s PHY; CSMA-CA, ACKs, ~40 bytes of headers per 127-byte frame
            // and halving per relay hop leave 20-40 kbit/s end to end.
            data_rate_bps: 20e3,
            // reasoning: a rejoin scans 16 channels at scan duration 3, (2^3 + 1) × 15.36 ms
            // (aBaseSuperframeDuration, IEEE 802.15.4) ≈ 138 ms each ≈ 2.2 s, then associates.
            attach: lognormal(ms(2200), 0.5),
            // reasoning: CC2530 datasheet, TX 29 mA at 1 dBm, RX 24 mA; ~6 ms of radio time
            // (CCA, frame, ACK wait, crystal start) × ~27 mA × 3 V ≈ 0.5 mJ.
            energy_mj_per_message: 0.5,
        },
        Tech::Thread => Preset {
            tech: t,
            role: Role::Access,
            // reasoning: the same IEEE 802.15.4 PHY and hop timing as Zigbee, 2-3 hops to the
            // border router.
            latency: lognormal(ms(30), 0.7),
            // reasoning: as Zigbee: MAC retries, residual from multi-hop route changes.
            loss: 0.01,
            // reasoning: as Zigbee, same band and the same interferers.
            burst: burst(0.003, 0.1, 0.5),
            // reasoning: as Zigbee, 250 kbit/s PHY shared over a mesh.
            data_rate_bps: 20e3,
            // OpenThread MLE: a Parent Request to routers waits 750 ms, then to routers and
            // REEDs 1250 ms (kParentRequestRouterTimeout, kParentRequestReedTimeout), then the
            // Child ID exchange; reasoning: ≈ 2.5 s.
            attach: lognormal(ms(2500), 0.5),
            // reasoning: nRF52840 product specification, 802.15.4 TX 4.8 mA at 0 dBm (14.8 mA at
            // +8 dBm), RX ~4.7 mA; ~6 ms at ~10 mA × 3 V ≈ 0.2 mJ.
            energy_mj_per_message: 0.2,
        },
        Tech::LoRaWan => Preset {
            tech: t,
            role: Role::Access,
            // reasoning: time on air of a 50-byte payload (63 bytes with LoRaWAN's 13 bytes of
            // MAC overhead) is 118 ms at SF7 and 390 ms at SF9 (Semtech AN1200.13 formula, see
            // model::lora), plus gateway backhaul and network-server de-duplication; sigma 0.8
            // spans the ADR mix from SF7 to SF12 (2.8 s for 51 bytes).
            latency: lognormal(ms(500), 0.8),
            // reasoning: uplinks are mostly unconfirmed, so nothing retries; at low load the loss
            // is set by link margin. Collisions grow with load as pure ALOHA (Adelantado et al.
            // 2017, Understanding the limits of LoRaWAN), which a scenario models separately.
            loss: 0.02,
            // reasoning: slow fading and interference in the unlicensed 868 MHz band, bursts of
            // ~4 messages (leave 0.25); stationary loss ≈ 1.9%.
            burst: burst(0.01, 0.25, 0.5),
            // LoRaWAN Regional Parameters EU868: DR3 (SF9/125 kHz) is 1760 bit/s; ETSI EN 300 220
            // 1% duty cycle → 17.6 bit/s; reasoning: × 50/63 for the MAC overhead ≈ 14 bit/s.
            data_rate_bps: 14.0,
            // LoRaWAN: JOIN_ACCEPT_DELAY1 = 5 s, JOIN_ACCEPT_DELAY2 = 6 s (Regional Parameters;
            // Semtech LoRaMac-node); reasoning: median at RX2, duty-cycle back-off on a failed
            // join gives the tail.
            attach: lognormal(s(6), 0.5),
            // reasoning: 390 ms at SF9 × ~40 mA × 3.3 V ≈ 51 mJ (SX1276 datasheet: 29 mA at
            // +13 dBm RFO, 87 mA at +17 dBm PA_BOOST; +14 dBm in between) plus RX1/RX2 windows
            // (RX ≈ 11 mA; RX2 at SF12) ≈ 9 mJ.
            energy_mj_per_message: 60.0,
        },
        Tech::NbIot => Preset {
            tech: t,
            role: Role::Both,
            // Ugwuanyi et al. 2021 (Electronics 10, 2224) measured 837 ms on a live network;
            // 3GPP TR 45.820 targets 10 s for exception reports at 164 dB coupling loss.
            // reasoning: median 1.5 s with sigma 0.8 puts the 99th percentile (≈ 9.6 s) at the
            // 10 s target.
            latency: lognormal(ms(1500), 0.8),
            // reasoning: HARQ and RLC acknowledged mode recover most losses; residual from radio
            // link failures and cell reselection mid-transfer.
            loss: 0.005,
            // reasoning: deep-indoor coverage holes and congested cells last long (leave 0.05, ~20
            // messages); stationary loss ≈ 1.2%.
            burst: burst(0.002, 0.05, 0.3),
            // 3GPP TS 36.306: Cat-NB1 uplink peaks at ~62.5 kbit/s (multi-tone); Ugwuanyi et al.
            // 2021 measured far less (264 bit/s); reasoning: 10 kbit/s, a sixth of the peak.
            data_rate_bps: 10e3,
            // reasoning: cell search over NB-IoT's narrow raster, then random access with
            // repetitions and attach; several seconds, more in extended coverage.
            attach: lognormal(s(6), 0.6),
            // reasoning: ≈ 1.5 s connected at ≈ 50 mA average × 3.7 V (random access, RRC setup,
            // one uplink, release with RAI) ≈ 280 mJ. Without RAI the connected-mode tail
            // dominates (Michelinakis et al. 2020, Dissecting Energy Consumption of NB-IoT
            // Devices Empirically) and the energy is several times higher.
            energy_mj_per_message: 300.0,
        },
        Tech::LteM => Preset {
            tech: t,
            role: Role::Both,
            // reasoning: waking from PSM/eDRX needs random access and RRC connection setup
            // (~100-300 ms) before the uplink; sigma 0.7 for coverage-enhancement repetitions.
            latency: lognormal(ms(200), 0.7),
            // reasoning: HARQ and RLC AM as on LTE; residual from radio link failures.
            loss: 0.003,
            // reasoning: coverage dips and handovers, bursts of ~10 messages; stationary loss
            // ≈ 0.6%.
            burst: burst(0.002, 0.1, 0.3),
            // 3GPP TS 36.306: Cat-M1 uplink peak ~1 Mbit/s full duplex, 375 kbit/s half duplex
            // (most modules); reasoning: 200 kbit/s usable.
            data_rate_bps: 200e3,
            // reasoning: LTE-class attach on a 1.4 MHz carrier with repetitions: a few seconds.
            attach: lognormal(s(3), 0.5),
            // reasoning: ≈ 0.5 s connected at ≈ 80 mA average × 3.7 V with RAI ≈ 150 mJ; the
            // connected time is shorter than NB-IoT's for the same payload (wider bandwidth).
            energy_mj_per_message: 150.0,
        },
        Tech::Lte => Preset {
            tech: t,
            role: Role::Both,
            // reasoning: LTE radio user plane is ~5-10 ms one way (3GPP target 5 ms); scheduling
            // requests, the operator core and breakout make 20-30 ms typical; median 25 ms.
            latency: lognormal(ms(25), 0.5),
            // reasoning: HARQ and RLC AM; residual from radio link failures, handovers.
            loss: 0.001,
            // reasoning: fading dips and cell-edge congestion, bursts of ~10 messages; stationary
            // loss ≈ 0.3%.
            burst: burst(0.001, 0.1, 0.3),
            // Huang et al. 2012 (A Close Examination of Performance and Power Characteristics of
            // 4G LTE Networks): median uplink 6 Mbit/s; 3GPP TS 36.306 Cat-1 uplink peak
            // 5.2 Mbit/s. 5 Mbit/s for a Cat-1 gateway modem.
            data_rate_bps: 5e6,
            // reasoning: LTE attach (RRC setup, authentication, default bearer) takes ~1-2 s
            // once the cell is found.
            attach: lognormal(ms(1500), 0.5),
            // Huang et al. 2012: the long high-power RRC tail (~11 s on their networks) dominates
            // LTE energy; reasoning: a Cat-1 module at ~0.2 W over a ~10 s tail ≈ 2 J.
            energy_mj_per_message: 2000.0,
        },
        Tech::FiveG => Preset {
            tech: t,
            role: Role::Both,
            // Kottkamp (Rohde & Schwarz) 2022, 5G NR and LTE latency in a public network: one-way
            // latency on a commercial 5G NSA network from <7 ms (downlink) to ~18 ms (uplink,
            // 15 Mbit/s); median 12 ms.
            latency: lognormal(ms(12), 0.5),
            // reasoning: HARQ and RLC AM as on LTE.
            loss: 0.001,
            // reasoning: as LTE for FR1 (sub-6 GHz); mmWave blockage would be worse.
            burst: burst(0.001, 0.1, 0.3),
            // reasoning: 5G NSA uplink often still rides the LTE anchor and TDD patterns favour
            // the downlink; 20 Mbit/s usable uplink.
            data_rate_bps: 20e6,
            // reasoning: NSA attaches on the LTE anchor (~1.5 s) then adds the NR leg.
            attach: lognormal(s(2), 0.5),
            // reasoning: the LTE tail (Huang et al. 2012) plus an NR leg that stays up for its
            // own inactivity timer; ≈ 2.5 J.
            energy_mj_per_message: 2500.0,
        },
        Tech::Private5G => Preset {
            tech: t,
            role: Role::Both,
            // reasoning: the core (UPF) is on site, so no operator backhaul; below the 7 ms best
            // case of a public network (Kottkamp 2022); median 5 ms.
            latency: lognormal(ms(5), 0.4),
            // reasoning: dedicated spectrum, planned coverage and no contention with the public.
            loss: 0.0005,
            // reasoning: shadowing by machinery and vehicles, short (leave 0.2); stationary loss
            // ≈ 0.1%.
            burst: burst(0.0005, 0.2, 0.3),
            // reasoning: a dedicated 40-100 MHz TDD carrier can use uplink-heavy patterns;
            // 50 Mbit/s per device.
            data_rate_bps: 50e6,
            // reasoning: 5G SA registration on an uncongested local core, ~1-2 s.
            attach: lognormal(ms(1500), 0.5),
            // reasoning: the same radio and inactivity tail as public 5G.
            energy_mj_per_message: 2500.0,
        },
        Tech::Satellite => Preset {
            tech: t,
            role: Role::Uplink,
            // reasoning: geostationary orbit at 35 786 km: terminal → satellite → ground station
            // is ≥ 239 ms at the speed of light, plus MAC and processing; median 300 ms.
            latency: lognormal(ms(300), 0.2),
            // reasoning: forward error correction and link-layer ARQ leave a small residual.
            loss: 0.005,
            // reasoning: rain fade and obstruction last minutes (leave 0.02, ~50 messages),
            // entered 1 in 1000; stationary loss ≈ 2.4%.
            burst: burst(0.001, 0.02, 0.5),
            // reasoning: L-band M2M terminals give a few hundred kbit/s at best, shared; 100
            // kbit/s usable.
            data_rate_bps: 100e3,
            // reasoning: acquiring the satellite and registering with the network takes the
            // order of a minute after power-up.
            attach: lognormal(s(60), 0.5),
            // reasoning: a terminal transmitting at several watts stays active ~5 s to wake,
            // acquire and send one burst: ≈ 5 s × 2 W ≈ 10 J.
            energy_mj_per_message: 10_000.0,
        },
    }
}

/// Every preset, in catalogue order.
pub fn all() -> Vec<Preset> {
    Tech::ALL.iter().map(|&t| preset(t)).collect()
}

/// The catalogue as an aligned plain-text table, for `iotwin catalog`.
pub fn table() -> String {
    const HEADER: [&str; 9] = [
        "id",
        "technology",
        "role",
        "latency",
        "loss",
        "burst (enter/leave/loss)",
        "data rate",
        "attach",
        "mJ/msg",
    ];
    let rows: Vec<[String; 9]> = all()
        .iter()
        .map(|p| {
            [
                p.tech.id().to_string(),
                p.tech.name().to_string(),
                p.role.label().to_string(),
                p.latency_median().to_string(),
                percent(p.loss),
                p.burst.map_or("-".to_string(), |b| {
                    format!(
                        "{}/{}/{}",
                        decimal(b.enter.0),
                        decimal(b.leave.0),
                        decimal(b.loss.0)
                    )
                }),
                rate(p.data_rate_bps),
                p.attach_median().to_string(),
                decimal(p.energy_mj_per_message),
            ]
        })
        .collect();
    let rows: Vec<Vec<String>> = rows.into_iter().map(Vec::from).collect();
    let mut out = aligned(&HEADER, &rows);
    out.push_str("latency and attach are medians; loss is after link-layer retries, good state\n");
    out
}

/// `header` and `rows` as plain-text columns two spaces apart, each as wide as its widest cell.
pub(super) fn aligned(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut text = String::new();
        for (i, (cell, w)) in cells.zip(&widths).enumerate() {
            if i > 0 {
                text.push_str("  ");
            }
            let _ = write!(text, "{cell:<w$}", w = *w);
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(&mut header.iter().copied());
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
    out
}

/// A number with at most six decimals and no trailing zeros: 0.002, 0.5, 300.
fn decimal(x: f64) -> String {
    let text = format!("{x:.6}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    text.to_string()
}

/// A probability as a percentage: 0.002 → "0.2%".
fn percent(p: f64) -> String {
    format!("{}%", decimal(p * 100.0))
}

/// A rate in bit/s with the largest unit that keeps it at least 1: "250 kbit/s", "10 Mbit/s".
fn rate(bps: f64) -> String {
    let (value, unit) = if bps >= 1e9 {
        (bps / 1e9, "Gbit/s")
    } else if bps >= 1e6 {
        (bps / 1e6, "Mbit/s")
    } else if bps >= 1e3 {
        (bps / 1e3, "kbit/s")
    } else {
        (bps, "bit/s")
    };
    format!("{} {unit}", decimal((value * 10.0).round() / 10.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tech_has_a_preset_of_its_own() {
        for t in Tech::ALL {
            assert_eq!(preset(t).tech, t);
        }
        assert_eq!(all().len(), Tech::ALL.len());
        // ALL lists each variant once.
        for (i, a) in Tech::ALL.iter().enumerate() {
            assert!(!Tech::ALL[i + 1..].contains(a), "{a:?} listed twice");
        }
    }

    #[test]
    fn ids_are_the_serde_names() {
        for t in Tech::ALL {
            let written = ron::to_string(&t).unwrap();
            assert_eq!(written, t.id());
            let read: Tech = ron::from_str(t.id()).unwrap();
            assert_eq!(read, t);
        }
        assert_eq!(Tech::Lte.name(), "LTE (4G)");
        assert_eq!(Tech::Thread.name(), "Thread/Matter");
    }

    #[test]
    fn numbers_are_in_range() {
        let unit = |x: f64| (0.0..=1.0).contains(&x);
        for p in all() {
            let id = p.tech.id();
            assert!(unit(p.loss), "{id} loss");
            if let Some(b) = p.burst {
                assert!(
                    unit(b.enter.0) && unit(b.leave.0) && unit(b.loss.0),
                    "{id} burst"
                );
                assert!(b.leave.0 > 0.0, "{id}: a bad state that never ends");
            }
            assert!(p.burst_loss() < 0.10, "{id} burst loss {}", p.burst_loss());
            assert!(p.mean_loss() < 0.10, "{id} mean loss {}", p.mean_loss());
            assert!(
                p.data_rate_bps > 0.0 && p.data_rate_bps.is_finite(),
                "{id} rate"
            );
            assert!(p.energy_mj_per_message > 0.0, "{id} energy");
            assert!(p.attach_median() > Duration::ZERO, "{id} attach");
            for d in [&p.latency, &p.attach] {
                if let Dist::LogNormal { sigma, .. } = d {
                    assert!(sigma.0 > 0.0 && sigma.0 <= 1.5, "{id} sigma");
                }
            }
        }
    }

    #[test]
    fn radios_have_bursts_and_wires_do_not() {
        for p in all() {
            assert_eq!(p.burst.is_none(), p.tech == Tech::Ethernet, "{:?}", p.tech);
        }
    }

    #[test]
    fn median_latencies_are_ordered_as_physics_says() {
        let m = |t| preset(t).latency_median();
        assert!(m(Tech::Ethernet) < m(Tech::WiFi));
        assert!(m(Tech::WiFi) < m(Tech::Lte));
        assert!(m(Tech::Lte) < m(Tech::NbIot));
        assert!(m(Tech::LteM) < m(Tech::NbIot));
        assert!(m(Tech::Private5G) < m(Tech::FiveG));
        assert!(m(Tech::FiveG) < m(Tech::Lte));
        assert!(m(Tech::Satellite) > m(Tech::Lte));
        // A geostationary hop cannot beat light: 2 × 35 786 km / c ≈ 239 ms.
        assert!(m(Tech::Satellite) >= ms(239));
        assert!(preset(Tech::Ethernet).data_rate_bps > preset(Tech::Lte).data_rate_bps);
        assert!(preset(Tech::Lte).data_rate_bps > preset(Tech::NbIot).data_rate_bps);
    }

    #[test]
    fn loss_accounting_matches_the_two_state_chain() {
        let p = preset(Tech::WiFi);
        // enter 0.002, leave 0.1: bad share 0.002 / 0.102.
        let bad = 0.002 / 0.102;
        assert!((p.burst_loss() - bad * 0.5).abs() < 1e-12);
        assert!((p.mean_loss() - ((1.0 - bad) * 0.002 + bad * 0.5)).abs() < 1e-12);
        let e = preset(Tech::Ethernet);
        assert_eq!(e.burst_loss(), 0.0);
        assert_eq!(e.mean_loss(), e.loss);
    }

    #[test]
    fn a_preset_is_a_scenario_link() {
        let p = preset(Tech::Lte);
        let link = p.link();
        assert_eq!(link.loss, Some(Probability(p.loss)));
        assert!(link.burst.is_some());
        assert!(matches!(link.latency, Some(Dist::LogNormal { median, .. }) if median == ms(25)));
    }

    #[test]
    fn medians_of_every_distribution() {
        let d = Duration::from_secs;
        assert_eq!(median(&Dist::Fixed(d(3))), d(3));
        assert_eq!(
            median(&Dist::Uniform {
                min: d(1),
                max: d(3)
            }),
            d(2)
        );
        assert_eq!(
            median(&Dist::Exponential { mean: d(100) }),
            Duration(69_314_718)
        );
        // Weibull with shape 1 is the exponential with mean = scale.
        assert_eq!(
            median(&Dist::Weibull {
                shape: Positive(1.0),
                scale: d(100)
            }),
            Duration(69_314_718)
        );
        assert_eq!(
            median(&Dist::Jitter {
                period: d(60),
                jitter: Box::new(Dist::Fixed(d(2)))
            }),
            d(62)
        );
    }

    #[test]
    fn table_lists_every_tech_and_fits_a_terminal() {
        let text = table();
        for t in Tech::ALL {
            assert!(
                text.lines().any(|l| l.starts_with(t.id())),
                "{} missing",
                t.id()
            );
        }
        for line in text.lines() {
            assert!(line.chars().count() <= 120, "too wide: {line}");
        }
        let lte = text.lines().find(|l| l.starts_with("Lte ")).unwrap();
        assert!(lte.contains("25ms") && lte.contains("5 Mbit/s") && lte.contains("1s 500ms"));
        let ble = text.lines().find(|l| l.starts_with("Ble ")).unwrap();
        assert!(ble.contains("100 kbit/s") && ble.contains("0.005/0.2/0.5"));
        let eth = text.lines().find(|l| l.starts_with("Ethernet ")).unwrap();
        assert!(eth.contains("0.0001%") && eth.contains(" - "));
    }

    #[test]
    fn formats_people_read() {
        assert_eq!(rate(250e3), "250 kbit/s");
        assert_eq!(rate(10e6), "10 Mbit/s");
        assert_eq!(rate(14.0), "14 bit/s");
        assert_eq!(rate(1.5e9), "1.5 Gbit/s");
        assert_eq!(percent(0.002), "0.2%");
        assert_eq!(percent(1e-6), "0.0001%");
        assert_eq!(decimal(300.0), "300");
        assert_eq!(decimal(0.05), "0.05");
    }
}
