//! The radio: LoRa fleets' shared channels and their devices' duty cycle, in packet mode.
//!
//! The radio owns the channels (one per site, spreading factor and frequency) and, per LoRa
//! device, until when its duty cycle keeps it silent. It decides only what the air decides:
//! whether a device may transmit now and whether a transmission collided. It draws nothing
//! (the caller picks the channel from the device's stream) and schedules nothing: the world
//! schedules the end of each transmission and settles what [`Radio::transmit`] and
//! [`Radio::channel_free`] hand back.

use crate::engine::Ticks;
use crate::scenario::{Deployment, FleetSpec, LoRaSpec};

use super::super::lora::{self, LoRaPhy};
use super::Msg;

/// Channels kept per site and spreading factor: more than any LoRaWAN region defines.
const MAX_LORA_CHANNELS: u32 = 64;

/// A LoRa fleet's radio: time on air of one message, the silence the duty cycle imposes after
/// it, and where its channels and its devices' silence deadlines are kept.
#[derive(Clone, Copy, Debug)]
pub(super) struct LoRaRt {
    pub(super) airtime: Ticks,
    silence: Ticks,
    pub(super) channels: u32,
    /// Index in the radio's channels of channel 0 at this fleet's site and spreading factor.
    first_channel: u32,
    /// Index in the radio's silence deadlines of the fleet's first device.
    first_silence: u32,
}

/// A LoRa fleet's time on air per message (Semtech's formula, LoRaWAN framing) and the
/// silence its duty cycle imposes after each transmission, in ticks: shared by packet mode's
/// radios and flow mode's (`world/flow/lora.rs`).
pub(super) fn lora_timing(spec: &FleetSpec, l: &LoRaSpec) -> (Ticks, Ticks) {
    let phy = LoRaPhy {
        spreading_factor: l.spreading_factor,
        bandwidth_hz: l.bandwidth_hz,
        coding_rate: l.coding_rate,
        ..LoRaPhy::default()
    };
    let airtime = phy.time_on_air_us(spec.message_bytes + lora::LORAWAN_OVERHEAD_BYTES);
    let silence = lora::duty_cycle_off_time_us(airtime, l.duty_cycle.clamp(1e-9, 1.0));
    (airtime, silence)
}

/// A shared LoRa channel (one site, one spreading factor, one frequency).
#[derive(Clone, Copy, Debug, Default)]
struct Channel {
    /// When the last transmission on air ends.
    busy_until: Ticks,
    /// The latest transmission, not yet settled: whether it collided is known only once it
    /// has ended or been overlapped.
    pending: Option<Transmission>,
}

/// A message on air: when it ends, and whether another transmission overlapped its start.
#[derive(Clone, Copy, Debug)]
pub(super) struct Transmission {
    pub(super) msg: Msg,
    pub(super) end: Ticks,
    collided: bool,
}

/// The LoRa channels and duty cycles of one replication.
#[derive(Debug)]
pub(super) struct Radio {
    /// Shared LoRa channels, 64 per site and spreading factor in use.
    channels: Vec<Channel>,
    /// Per LoRa device: until when the duty cycle keeps it silent.
    silent_until: Vec<Ticks>,
}

impl Radio {
    /// The radio of `dep`'s LoRa fleets, and each fleet's radio parameters (`None` for a fleet
    /// not on LoRa): time on air from the Semtech formula, duty-cycle silence, and the
    /// channels it shares with the other LoRa fleets at its site on its spreading factor.
    pub(super) fn new(dep: &Deployment) -> (Radio, Vec<Option<LoRaRt>>) {
        let mut bases: Vec<(usize, u8, u32)> = vec![];
        let mut silences = 0u32;
        let mut fleets = vec![None; dep.fleets.len()];
        for (f, spec) in dep.fleets.iter().enumerate() {
            let Some(l) = spec.lora else { continue };
            let (airtime, silence) = lora_timing(spec, &l);
            let key = (spec.site, l.spreading_factor);
            let first_channel = match bases.iter().find(|b| (b.0, b.1) == key) {
                Some(b) => b.2,
                None => {
                    let base = bases.len() as u32 * MAX_LORA_CHANNELS;
                    bases.push((key.0, key.1, base));
                    base
                }
            };
            fleets[f] = Some(LoRaRt {
                airtime,
                silence,
                channels: l.channels,
                first_channel,
                first_silence: silences,
            });
            silences += spec.count;
        }
        let radio = Radio {
            channels: vec![Channel::default(); bases.len() * MAX_LORA_CHANNELS as usize],
            silent_until: vec![0; silences as usize],
        };
        (radio, fleets)
    }

    /// Whether device `index` (its place in its fleet) of a fleet with radio `rt` may transmit
    /// now; if so, its duty cycle silences it for the time on air and the silence after.
    #[inline]
    pub(super) fn may_transmit(&mut self, rt: &LoRaRt, index: u32, now: Ticks) -> bool {
        let i = (rt.first_silence + index) as usize;
        if now < self.silent_until[i] {
            return false;
        }
        self.silent_until[i] = now + rt.airtime + rt.silence;
        true
    }

    /// A transmission of `msg` starts now on channel `channel` of a fleet with radio `rt`:
    /// unslotted ALOHA without capture, it is lost if any other transmission on the channel
    /// overlaps it. The latest transmission stays pending until it ends or is overlapped.
    /// Returns the shared channel's index, when this transmission ends, and the earlier
    /// pending one it replaced with whether that one is lost (it is settled now).
    pub(super) fn transmit(
        &mut self,
        rt: &LoRaRt,
        channel: u32,
        msg: Msg,
        now: Ticks,
    ) -> (u32, Ticks, Option<(Transmission, bool)>) {
        let c = rt.first_channel + channel;
        let end = now.saturating_add(rt.airtime);
        let ch = &mut self.channels[c as usize];
        let collided = ch.busy_until > now;
        ch.busy_until = ch.busy_until.max(end);
        let earlier = ch.pending.replace(Transmission { msg, end, collided });
        let settled = earlier.map(|tx| (tx, tx.collided || tx.end > now));
        (c, end, settled)
    }

    /// Channel `c`'s pending transmission ends now, unless a later one replaced it: returns
    /// it with whether it is lost.
    pub(super) fn channel_free(&mut self, c: u32, now: Ticks) -> Option<(Transmission, bool)> {
        let ch = &mut self.channels[c as usize];
        let tx = ch.pending.filter(|tx| tx.end == now)?;
        ch.pending = None;
        Some((tx, tx.collided))
    }

    /// The messages still on air (for a trace's last steps at the horizon).
    pub(super) fn on_air(&self) -> impl Iterator<Item = &Msg> {
        self.channels
            .iter()
            .filter_map(|c| c.pending.as_ref().map(|tx| &tx.msg))
    }
}
