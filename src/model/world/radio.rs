//! The radio: LoRa fleets' shared channels and their devices' duty cycle and link budget, in
//! packet mode.
//!
//! The radio owns the channels (one per site, spreading factor and frequency) and, per LoRa
//! device, until when its duty cycle keeps it silent and, for a fleet with a `placement`, its
//! link: the spreading factor it uses and the power its gateway receives (drawn once per
//! replication from the device's own stream). It decides only what the air decides: whether
//! a device is in range, whether it may transmit now and whether a transmission was lost to
//! another. It schedules nothing: the world schedules the end of each transmission and
//! settles what [`Radio::transmit`] and [`Radio::channel_free`] hand back.
//!
//! Overlaps are settled one of two ways. Without capture (LoRaWAN's pure or slotted ALOHA as
//! usually analysed) any overlap loses both frames, so a channel only needs its latest frame
//! and when the air clears. With a capture threshold the channel keeps every frame still on
//! air with its received power, and of each overlapping pair the weaker is lost unless the
//! stronger exceeds it by less than the threshold, when both are (Bor et al. 2016's rule, as in
//! LoRaSim: pairwise, by power). With the preamble-lock condition (LoRaSim's
//! `timingCollision`) a pair is not compared when the earlier frame ends within the first
//! three preamble symbols of the later one. Spreading factors are taken as orthogonal: frames
//! at different SFs never interfere.

use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};

use crate::engine::random::member_key;
use crate::engine::{StreamKey, Ticks};
use crate::scenario::{Deployment, FleetSpec, LoRaSpec};

use super::super::lora::{self, LoRaPhy};
use super::{Msg, process};

/// Channels kept per site and spreading factor: more than any LoRaWAN region defines.
const MAX_LORA_CHANNELS: u32 = 64;

/// Spreading factors a LoRa radio uses, 7..=12, as an index from 0.
const SFS: usize = 6;

/// Bandwidths a LoRa radio uses: 125, 250 and 500 kHz, as an index from 0.
const BANDWIDTHS_HZ: [u32; 3] = [125_000, 250_000, 500_000];

/// Settings (spreading factor and bandwidth) a fleet's frames may be sent at.
const SETTINGS: usize = SFS * BANDWIDTHS_HZ.len();

/// Where the timing of spreading factor `sf` at bandwidth index `bandwidth` is kept.
#[inline]
fn setting(sf: u8, bandwidth: u8) -> usize {
    usize::from(sf - 7) * BANDWIDTHS_HZ.len() + usize::from(bandwidth)
}

/// The index of `bandwidth_hz` in [`BANDWIDTHS_HZ`]; the scenario admits only those three.
fn bandwidth_index(bandwidth_hz: u32) -> u8 {
    match bandwidth_hz {
        250_000 => 1,
        500_000 => 2,
        _ => 0,
    }
}

/// Time on air and duty-cycle silence of a fleet's frame at one spreading factor and
/// bandwidth, and where that spreading factor's channels start at the fleet's site.
#[derive(Clone, Copy, Debug, Default)]
struct SfRt {
    airtime: Ticks,
    silence: Ticks,
    /// Index in the radio's channels of channel 0 at this site and spreading factor.
    first_channel: u32,
    /// With the preamble-lock condition, how long an earlier frame may still be on air after
    /// a frame at this spreading factor starts without the two being compared; 0 without it.
    lock_margin: Ticks,
}

/// A LoRa fleet's radio: time on air of one message, the silence the duty cycle imposes after
/// it, and where its channels, its devices' silence deadlines and their links are kept.
#[derive(Clone, Copy, Debug)]
pub(super) struct LoRaRt {
    pub(super) channels: u32,
    /// Index in the radio's timings of the fleet's per-SF time on air, silence and channels
    /// (kept there so that this stays small: it is copied for every LoRa reading).
    timing: u32,
    /// The spreading factor every device uses when the fleet has no per-device links.
    spreading_factor: u8,
    /// The fleet's bandwidth (index in [`BANDWIDTHS_HZ`]), likewise.
    bandwidth: u8,
    /// Index in the radio's silence deadlines (and links) of the fleet's first device.
    first_silence: u32,
    /// Whether each device has its own link (a `placement`).
    linked: bool,
    /// Slot length of slotted ALOHA; 0: unslotted.
    slot: Ticks,
    /// Capture threshold in dB: overlaps are settled by received power.
    capture_db: Option<f64>,
}

impl LoRaRt {
    /// When a frame due `now` goes on air: now, or at the next slot boundary (slotted ALOHA,
    /// slots counted from the start of the run).
    #[inline]
    pub(super) fn start(&self, now: Ticks) -> Ticks {
        if self.slot == 0 {
            now
        } else {
            now.div_ceil(self.slot).saturating_mul(self.slot)
        }
    }
}

/// How one device reaches its gateway: the spreading factor and bandwidth (index in
/// [`BANDWIDTHS_HZ`]) it sends at and the power the gateway receives, in dBm (0 when the fleet
/// has no placement: powers are then never compared).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Link {
    pub(super) spreading_factor: u8,
    bandwidth: u8,
    rx_dbm: f32,
}

/// A setting a device of a placed fleet may use, and the weakest signal it decodes.
#[derive(Clone, Copy, Debug)]
struct Choice {
    spreading_factor: u8,
    bandwidth: u8,
    sensitivity_dbm: f64,
}

/// The settings a device of a fleet with settings `l` may use, in the order it prefers them:
/// the fleet's own; with `sf_by_distance` every spreading factor from the fleet's up, the
/// fastest first; with `bandwidth_by_distance` also at every bandwidth, by time on air for
/// `phy_payload` bytes (ties to the lower spreading factor, as in LoRaSim).
fn choices(l: &LoRaSpec, phy_payload: u32) -> Vec<Choice> {
    let table = l.rules.sensitivity;
    let top = if l.sf_by_distance {
        12
    } else {
        l.spreading_factor
    };
    let own = bandwidth_index(l.bandwidth_hz);
    let bandwidths = if l.rules.bandwidth_by_distance {
        0..BANDWIDTHS_HZ.len() as u8
    } else {
        own..own + 1
    };
    let mut choices: Vec<Choice> = (l.spreading_factor..=top)
        .flat_map(|sf| bandwidths.clone().map(move |bw| (sf, bw)))
        .map(|(sf, bw)| Choice {
            spreading_factor: sf,
            bandwidth: bw,
            sensitivity_dbm: table.dbm(sf, BANDWIDTHS_HZ[usize::from(bw)]),
        })
        .collect();
    if l.rules.bandwidth_by_distance {
        choices.sort_by_key(|c| {
            fleet_phy(
                l,
                c.spreading_factor,
                BANDWIDTHS_HZ[usize::from(c.bandwidth)],
            )
            .time_on_air_us(phy_payload)
        });
    }
    choices
}

/// A LoRa fleet's time on air per message (Semtech's formula, LoRaWAN framing) and the
/// silence its duty cycle imposes after each transmission, in ticks: shared by packet mode's
/// radios and flow mode's (`world/flow/lora.rs`).
pub(super) fn lora_timing(spec: &FleetSpec, l: &LoRaSpec) -> (Ticks, Ticks) {
    lora_timing_at(spec, l, l.spreading_factor, l.bandwidth_hz)
}

/// [`lora_timing`] at spreading factor `sf` and bandwidth `bandwidth_hz`.
fn lora_timing_at(spec: &FleetSpec, l: &LoRaSpec, sf: u8, bandwidth_hz: u32) -> (Ticks, Ticks) {
    let phy = fleet_phy(l, sf, bandwidth_hz);
    let airtime = phy.time_on_air_us(spec.message_bytes + lora::LORAWAN_OVERHEAD_BYTES);
    let silence = lora::duty_cycle_off_time_us(airtime, l.duty_cycle.clamp(1e-9, 1.0));
    (airtime, silence)
}

/// The modulation of a fleet with settings `l` at spreading factor `sf` and `bandwidth_hz`.
fn fleet_phy(l: &LoRaSpec, sf: u8, bandwidth_hz: u32) -> LoRaPhy {
    LoRaPhy {
        spreading_factor: sf,
        bandwidth_hz,
        coding_rate: l.coding_rate,
        ..LoRaPhy::default()
    }
}

/// Device `i`'s link in a fleet with settings `l`, drawn on `key`'s stream: a place uniform in
/// area on the disc (distance R√U), the mean path loss there plus normal shadowing, and the
/// first of `choices` whose sensitivity the received power meets; `None` when it meets none.
fn draw_link(l: &LoRaSpec, choices: &[Choice], key: StreamKey) -> Option<Link> {
    let p = l.placement?;
    let mut rng = key.stream();
    let distance = p.radius_m * rng.random::<f64>().sqrt();
    let shadowing = if p.shadowing_db > 0.0 {
        let z: f64 = StandardNormal.sample(&mut rng);
        p.shadowing_db * z
    } else {
        0.0
    };
    let rx_dbm = p.tx_power_dbm - p.path_loss.loss_db(distance) - shadowing;
    let choice = choices.iter().find(|c| rx_dbm >= c.sensitivity_dbm)?;
    Some(Link {
        spreading_factor: choice.spreading_factor,
        bandwidth: choice.bandwidth,
        rx_dbm: rx_dbm as f32,
    })
}

/// A shared LoRa channel (one site, one spreading factor, one frequency).
#[derive(Clone, Debug, Default)]
struct Channel {
    /// When the last transmission on air ends.
    busy_until: Ticks,
    /// The latest transmission, not yet settled: whether it collided is known only once it
    /// has ended or been overlapped (channels without capture).
    pending: Option<Transmission>,
    /// Every transmission still on air, in start order, with the power its gateway receives
    /// (channels with capture).
    on_air: Vec<Heard>,
}

/// A transmission on a channel with capture, and how strongly its gateway hears it.
#[derive(Clone, Copy, Debug)]
struct Heard {
    tx: Transmission,
    rx_dbm: f32,
}

/// A message on air: when it ends, and whether another transmission overlapped its start.
#[derive(Clone, Copy, Debug)]
pub(super) struct Transmission {
    pub(super) msg: Msg,
    pub(super) end: Ticks,
    collided: bool,
}

/// The LoRa channels, duty cycles and links of one replication.
#[derive(Debug)]
pub(super) struct Radio {
    /// Shared LoRa channels, 64 per site and spreading factor in use.
    channels: Vec<Channel>,
    /// Per LoRa device: until when the duty cycle keeps it silent.
    silent_until: Vec<Ticks>,
    /// Per LoRa device of a fleet with a placement (else empty): its link, `None` when out
    /// of range. Indexed like `silent_until`.
    links: Vec<Option<Link>>,
    /// Per LoRa fleet, per spreading factor 7..=12 its devices may use (others unset): time
    /// on air, silence and first channel.
    timings: Vec<[SfRt; SETTINGS]>,
}

impl Radio {
    /// The radio of `dep`'s LoRa fleets, and each fleet's radio parameters (`None` for a fleet
    /// not on LoRa): time on air from the Semtech formula, duty-cycle silence, the channels it
    /// shares with the other LoRa fleets at its site on each spreading factor it uses, and,
    /// for a fleet with a placement, each device's link drawn on `key(device, LORA_PLACEMENT)`.
    pub(super) fn new(
        dep: &Deployment,
        key: &dyn Fn(u64, u64) -> StreamKey,
    ) -> (Radio, Vec<Option<LoRaRt>>) {
        let mut bases: Vec<(usize, u8, u32)> = vec![];
        let mut silences = 0u32;
        let mut links = vec![];
        let mut timings = vec![];
        let mut fleets = vec![None; dep.fleets.len()];
        for (f, spec) in dep.fleets.iter().enumerate() {
            let Some(l) = spec.lora else { continue };
            let mut channel_base = |sf: u8| {
                let key = (spec.site, sf);
                match bases.iter().find(|b| (b.0, b.1) == key) {
                    Some(b) => b.2,
                    None => {
                        let base = bases.len() as u32 * MAX_LORA_CHANNELS;
                        bases.push((key.0, key.1, base));
                        base
                    }
                }
            };
            let choices = choices(&l, spec.message_bytes + lora::LORAWAN_OVERHEAD_BYTES);
            let mut by_setting = [SfRt::default(); SETTINGS];
            for sf in l.spreading_factor..=12 {
                // Frames at one spreading factor share its channels whatever their bandwidth.
                let mut first_channel = None;
                for c in choices.iter().filter(|c| c.spreading_factor == sf) {
                    let bandwidth_hz = BANDWIDTHS_HZ[usize::from(c.bandwidth)];
                    let (airtime, silence) = lora_timing_at(spec, &l, sf, bandwidth_hz);
                    by_setting[setting(sf, c.bandwidth)] = SfRt {
                        airtime,
                        silence,
                        first_channel: *first_channel.get_or_insert_with(|| channel_base(sf)),
                        lock_margin: if l.rules.preamble_lock {
                            fleet_phy(&l, sf, bandwidth_hz).lock_margin_us()
                        } else {
                            0
                        },
                    };
                }
            }
            let linked = l.placement.is_some();
            if linked {
                links.resize(silences as usize, None);
                links.extend((0..u64::from(spec.count)).map(|i| {
                    draw_link(
                        &l,
                        &choices,
                        key(member_key(spec.key, i), process::LORA_PLACEMENT),
                    )
                }));
            }
            timings.push(by_setting);
            fleets[f] = Some(LoRaRt {
                channels: l.channels,
                timing: timings.len() as u32 - 1,
                spreading_factor: l.spreading_factor,
                bandwidth: bandwidth_index(l.bandwidth_hz),
                first_silence: silences,
                linked,
                slot: l.slot.unwrap_or(0),
                capture_db: l.capture_db,
            });
            silences += spec.count;
        }
        let radio = Radio {
            channels: vec![Channel::default(); bases.len() * MAX_LORA_CHANNELS as usize],
            silent_until: vec![0; silences as usize],
            links,
            timings,
        };
        (radio, fleets)
    }

    /// How device `index` (its place in its fleet) of a fleet with radio `rt` reaches its
    /// gateway; `None` when it is out of range.
    #[inline]
    pub(super) fn link(&self, rt: &LoRaRt, index: u32) -> Option<Link> {
        if rt.linked {
            self.links[(rt.first_silence + index) as usize]
        } else {
            Some(Link {
                spreading_factor: rt.spreading_factor,
                bandwidth: rt.bandwidth,
                rx_dbm: 0.0,
            })
        }
    }

    /// Whether device `index` (its place in its fleet) of a fleet with radio `rt` may transmit
    /// at `start`; if so, its duty cycle silences it for the time on air at its spreading
    /// factor and the silence after.
    #[inline]
    pub(super) fn may_transmit(
        &mut self,
        rt: &LoRaRt,
        index: u32,
        link: Link,
        start: Ticks,
    ) -> bool {
        let i = (rt.first_silence + index) as usize;
        if start < self.silent_until[i] {
            return false;
        }
        let at = self.timings[rt.timing as usize][setting(link.spreading_factor, link.bandwidth)];
        self.silent_until[i] = start + at.airtime + at.silence;
        true
    }

    /// A transmission of `msg` over `link` starts at `start` (now, or the next slot boundary)
    /// on channel `channel` of a fleet with radio `rt`. Without capture it is lost if any
    /// other transmission on the channel overlaps it, and the latest transmission stays
    /// pending until it ends or is overlapped; with capture, each overlapping pair is settled
    /// by power now and every transmission waits for its end. Returns the shared channel's
    /// index, when this transmission ends, and the earlier pending one it replaced with
    /// whether that one is lost (it is settled now).
    pub(super) fn transmit(
        &mut self,
        rt: &LoRaRt,
        link: Link,
        channel: u32,
        msg: Msg,
        start: Ticks,
    ) -> (u32, Ticks, Option<(Transmission, bool)>) {
        let at = self.timings[rt.timing as usize][setting(link.spreading_factor, link.bandwidth)];
        let c = at.first_channel + channel;
        let end = start.saturating_add(at.airtime);
        let ch = &mut self.channels[c as usize];
        if rt.capture_db.is_some() {
            let rx = f64::from(link.rx_dbm);
            let mut collided = false;
            // An earlier frame that ends within this one's lock margin (0 without the
            // preamble-lock condition) does not meet it.
            let met = start.saturating_add(at.lock_margin);
            for other in ch.on_air.iter_mut().filter(|o| o.tx.end > met) {
                let theirs = f64::from(other.rx_dbm);
                collided |= !lora::survives_overlap(rx, theirs, rt.capture_db);
                other.tx.collided |= !lora::survives_overlap(theirs, rx, rt.capture_db);
            }
            ch.on_air.push(Heard {
                tx: Transmission { msg, end, collided },
                rx_dbm: link.rx_dbm,
            });
            return (c, end, None);
        }
        let collided = ch.busy_until > start;
        ch.busy_until = ch.busy_until.max(end);
        let earlier = ch.pending.replace(Transmission { msg, end, collided });
        let settled = earlier.map(|tx| (tx, tx.collided || tx.end > start));
        (c, end, settled)
    }

    /// One of channel `c`'s transmissions ends now: with capture, the first on air that ends
    /// now; without, the pending one unless a later one replaced it. Returns it with whether
    /// it is lost.
    pub(super) fn channel_free(&mut self, c: u32, now: Ticks) -> Option<(Transmission, bool)> {
        let ch = &mut self.channels[c as usize];
        if let Some(i) = ch.on_air.iter().position(|h| h.tx.end == now) {
            let tx = ch.on_air.remove(i).tx;
            return Some((tx, tx.collided));
        }
        let tx = ch.pending.filter(|tx| tx.end == now)?;
        ch.pending = None;
        Some((tx, tx.collided))
    }

    /// The messages still on air (for a trace's last steps at the horizon).
    pub(super) fn on_air(&self) -> impl Iterator<Item = &Msg> {
        self.channels.iter().flat_map(|c| {
            c.pending
                .as_ref()
                .map(|tx| &tx.msg)
                .into_iter()
                .chain(c.on_air.iter().map(|h| &h.tx.msg))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::lora::LogDistance;
    use crate::model::lora::Sensitivity;
    use crate::scenario::{LoRaRules, PlacementSpec};

    /// A fleet at SF12 with one channel (index 0 of the radio), capture at `capture_db`.
    fn fleet(capture_db: Option<f64>, slot: Ticks) -> (Radio, LoRaRt) {
        locked_fleet(capture_db, slot, 0)
    }

    /// [`fleet`] with a preamble-lock margin of `lock_margin` ticks.
    fn locked_fleet(capture_db: Option<f64>, slot: Ticks, lock_margin: Ticks) -> (Radio, LoRaRt) {
        let mut by_setting = [SfRt::default(); SETTINGS];
        by_setting[setting(12, 0)] = SfRt {
            airtime: 1_000,
            silence: 0,
            first_channel: 0,
            lock_margin,
        };
        let rt = LoRaRt {
            channels: 1,
            timing: 0,
            spreading_factor: 12,
            bandwidth: 0,
            first_silence: 0,
            linked: true,
            slot,
            capture_db,
        };
        let radio = Radio {
            channels: vec![Channel::default(); MAX_LORA_CHANNELS as usize],
            silent_until: vec![0; 8],
            links: vec![],
            timings: vec![by_setting],
        };
        (radio, rt)
    }

    fn heard(rx_dbm: f32) -> Link {
        Link {
            spreading_factor: 12,
            bandwidth: 0,
            rx_dbm,
        }
    }

    fn msg(device: u32) -> Msg {
        Msg {
            created: 0,
            queued: 0,
            device,
            seq: 0,
        }
    }

    /// Sends frames `(start, rx_dbm)` in order, then ends them all: which devices' frames are
    /// lost.
    fn lost(capture_db: Option<f64>, frames: &[(Ticks, f32)]) -> Vec<bool> {
        lost_locked(capture_db, 0, frames)
    }

    /// [`lost`] with a preamble-lock margin of `lock_margin` ticks.
    fn lost_locked(
        capture_db: Option<f64>,
        lock_margin: Ticks,
        frames: &[(Ticks, f32)],
    ) -> Vec<bool> {
        let (mut radio, rt) = locked_fleet(capture_db, 0, lock_margin);
        let mut fate = vec![None; frames.len()];
        let mut ends = vec![];
        for (i, &(start, rx)) in frames.iter().enumerate() {
            let (c, end, earlier) = radio.transmit(&rt, heard(rx), 0, msg(i as u32), start);
            if let Some((tx, lost)) = earlier {
                fate[tx.msg.device as usize] = Some(lost);
            }
            ends.push((end, c));
        }
        ends.sort_unstable();
        for (end, c) in ends {
            if let Some((tx, lost)) = radio.channel_free(c, end) {
                fate[tx.msg.device as usize] = Some(lost);
            }
        }
        fate.into_iter()
            .map(|f| f.expect("every frame settled"))
            .collect()
    }

    #[test]
    fn without_capture_any_overlap_loses_both_frames() {
        assert_eq!(lost(None, &[(0, -100.0), (500, -130.0)]), [true, true]);
        assert_eq!(lost(None, &[(0, -100.0), (1_000, -100.0)]), [false, false]);
    }

    #[test]
    fn the_frame_stronger_by_the_threshold_survives_in_either_order() {
        let capture = Some(6.0);
        assert_eq!(lost(capture, &[(0, -100.0), (500, -106.0)]), [false, true]);
        assert_eq!(lost(capture, &[(0, -106.0), (500, -100.0)]), [true, false]);
        // Closer than 6 dB: neither is decoded.
        assert_eq!(lost(capture, &[(0, -100.0), (500, -105.0)]), [true, true]);
        // Frames that only touch do not overlap.
        assert_eq!(
            lost(capture, &[(0, -100.0), (1_000, -100.0)]),
            [false, false]
        );
    }

    #[test]
    fn capture_is_settled_pair_by_pair() {
        // The first two are within 6 dB of each other; the third is weaker than both by more.
        assert_eq!(
            lost(Some(6.0), &[(0, -100.0), (200, -104.0), (400, -120.0)]),
            [true, true, true]
        );
        // A strong frame survives two weak ones that overlap it at different times.
        assert_eq!(
            lost(Some(6.0), &[(0, -90.0), (200, -110.0), (900, -111.0)]),
            [false, true, true]
        );
    }

    /// LoRaSim's timing condition: the later frame is compared with an earlier one only if
    /// the earlier one is still on air past the later one's lock margin (here 100 µs of a
    /// 1000 µs frame); then capture settles the pair as before.
    #[test]
    fn an_overlap_within_the_later_frames_lock_margin_is_ignored() {
        let capture = Some(6.0);
        // The earlier frame ends 100 µs into the later one: exactly the margin, no overlap.
        assert_eq!(
            lost_locked(capture, 100, &[(0, -100.0), (900, -101.0)]),
            [false, false]
        );
        // 101 µs: the pair is compared, within 6 dB both are lost.
        assert_eq!(
            lost_locked(capture, 100, &[(0, -100.0), (899, -101.0)]),
            [true, true]
        );
        // Compared, the stronger by 6 dB survives whichever came first.
        assert_eq!(
            lost_locked(capture, 100, &[(0, -110.0), (500, -100.0)]),
            [true, false]
        );
        // Without the condition the 100 µs overlap loses both.
        assert_eq!(lost(capture, &[(0, -100.0), (900, -101.0)]), [true, true]);
    }

    #[test]
    fn slotted_frames_wait_for_the_next_slot_boundary() {
        let (_, rt) = fleet(None, 250);
        assert_eq!(rt.start(0), 0);
        assert_eq!(rt.start(1), 250);
        assert_eq!(rt.start(250), 250);
        assert_eq!(rt.start(251), 500);
        let (_, pure) = fleet(None, 0);
        assert_eq!(pure.start(251), 251);
    }

    fn placed(radius_m: f64, sf_by_distance: bool) -> LoRaSpec {
        LoRaSpec {
            spreading_factor: 7,
            channels: 8,
            duty_cycle: 0.01,
            bandwidth_hz: 125_000,
            coding_rate: 1,
            slot: None,
            placement: Some(PlacementSpec {
                radius_m,
                tx_power_dbm: 14.0,
                path_loss: LogDistance::BOR_2016,
                shadowing_db: 0.0,
            }),
            sf_by_distance,
            capture_db: None,
            rules: LoRaRules::default(),
        }
    }

    fn key(entity: u64) -> StreamKey {
        StreamKey {
            seed: 1,
            replication: 0,
            entity,
            process: process::LORA_PLACEMENT,
        }
    }

    /// Uniform in area on a disc of radius R, a device picks SF s when it lies in the ring
    /// between the reaches of SF s−1 and SF s: a share (r_s² − r_{s−1}²) / R². 40 000 draws
    /// put each share within 0.01 (five binomial standard errors at most).
    #[test]
    fn spreading_factors_by_distance_fill_rings_of_the_disc() {
        let radius = 700.0;
        let spec = placed(radius, true);
        let n = 40_000;
        let mut counts = [0u32; 7];
        for i in 0..n {
            match draw_link(&spec, &choices(&spec, 33), key(i)) {
                Some(link) => counts[usize::from(link.spreading_factor - 7)] += 1,
                None => counts[6] += 1,
            }
        }
        let pl = LogDistance::BOR_2016;
        let reach = |sf: u8| {
            pl.distance_m(14.0 - lora::sensitivity_dbm(sf, 125_000))
                .min(radius)
        };
        let mut inner = 0.0;
        for sf in 7..=12u8 {
            let outer = reach(sf);
            let expected = (outer * outer - inner * inner) / (radius * radius);
            let share = f64::from(counts[usize::from(sf - 7)]) / n as f64;
            assert!(
                (share - expected).abs() < 0.01,
                "SF{sf}: {share} vs {expected}"
            );
            inner = outer;
        }
        let beyond = 1.0 - (inner / radius).powi(2);
        assert!((f64::from(counts[6]) / n as f64 - beyond).abs() < 0.01);
    }

    #[test]
    fn a_device_keeps_its_place_for_its_key() {
        let spec = placed(300.0, true);
        let c = choices(&spec, 33);
        assert_eq!(draw_link(&spec, &c, key(5)), draw_link(&spec, &c, key(5)));
        assert_ne!(draw_link(&spec, &c, key(5)), draw_link(&spec, &c, key(6)));
        // Without a placement a device has no link of its own.
        let unplaced = LoRaSpec {
            placement: None,
            ..spec
        };
        assert_eq!(draw_link(&unplaced, &c, key(5)), None);
    }

    /// LoRaSim's experiment 3: each device takes the setting with the shortest time on air
    /// (20 bytes, CR 4/5) that its received power meets in Bor et al.'s table. The order of
    /// the fastest settings and the ties (SF9/250 and SF10/500 both last 92.672 ms; the lower
    /// spreading factor is taken, as LoRaSim's loop does) decide which of them wins.
    #[test]
    fn the_fastest_setting_the_link_meets_with_bandwidth_by_distance() {
        let spec = LoRaSpec {
            sf_by_distance: true,
            rules: LoRaRules {
                sensitivity: Sensitivity::LoRaSim,
                bandwidth_by_distance: true,
                ..LoRaRules::default()
            },
            ..placed(100.0, true)
        };
        let c = choices(&spec, 20);
        let pick = |rx: f64| {
            c.iter().find(|c| rx >= c.sensitivity_dbm).map(|c| {
                (
                    c.spreading_factor,
                    BANDWIDTHS_HZ[usize::from(c.bandwidth)] / 1000,
                )
            })
        };
        assert_eq!(pick(-110.0), Some((7, 500)));
        assert_eq!(pick(-122.0), Some((8, 500)));
        assert_eq!(pick(-124.1), Some((7, 250)));
        assert_eq!(pick(-126.0), Some((9, 500)));
        assert_eq!(pick(-128.0), Some((9, 250)));
        assert_eq!(pick(-128.5), Some((10, 500)));
        assert_eq!(pick(-130.0), Some((9, 125)));
        assert_eq!(pick(-132.0), Some((11, 250)));
        assert_eq!(pick(-134.0), Some((11, 125)));
        assert_eq!(pick(-135.0), None);
        // Without bandwidth_by_distance the fleet's 125 kHz is kept, SF by SF.
        let narrow = choices(&placed(100.0, true), 20);
        assert!(narrow.iter().all(|c| c.bandwidth == 0));
        assert_eq!(narrow.len(), 6);
    }
}
