//! The reporting part: devices' reports on their way to the network. A device due to report
//! generates a message whatever its state; it is lost (device down, bricked, certificate
//! expired, sensor dropout), kept on the device while no gateway is reachable, put on air
//! (LoRa) or sent over the device's access link, and scheduled to arrive at the link's end.
//!
//! It owns the device buffers (packet mode; flow mode keeps them in aggregate), the side
//! table of messages whose access delay does not fit an event, and the count of messages on
//! access links. What it touches outside itself is explicit in [`ReportCx`]: the device
//! table's traffic fields (stream, messages sent, access-link burst state; it reads the
//! up and degraded flags the lifecycle part writes), the accounts, the observer, the radio,
//! and the software part's flags (read only), and for devices on their own SIMs the cellular
//! part's service (read) and per-carrier counts. It asks the network only whether a device can
//! reach a gateway.

use std::collections::VecDeque;

use rand::RngExt;

use crate::engine::{DurationDist, Lane, Scheduler, Stream, Ticks};

use super::super::degradation::{self, BAD, Reading};
use super::super::event::{Event, Packed};
use super::super::ledger::LossCause;
use super::super::trace::{Observer, Trace};
use super::accounts::Accounts;
use super::cellular::{Cellular, Status};
use super::network::Network;
use super::radio::{Link, LoRaRt, Radio, Transmission};
use super::software::{BRICKED, EXPIRED, Software};
use super::{Device, FleetRt, Msg, World};

/// The reporting part's state in one replication.
pub(super) struct Reporting {
    /// Per device of a fleet with device buffers: readings kept while no gateway is reachable.
    device_buffers: Vec<VecDeque<Msg>>,
    /// Messages whose access delay does not fit 32 bits (and every message of a traced run,
    /// which keeps its sequence number), and the free slots of that table.
    long_delays: Vec<Msg>,
    free_long: Vec<u32>,
    /// Messages on access links (or on air) now.
    in_flight: u64,
}

/// What reporting touches outside the part.
pub(super) struct ReportCx<'a, O> {
    pub(super) devices: &'a mut [Device],
    /// Every device's traffic stream (packet mode only: flow mode draws no message).
    pub(super) traffic: &'a mut [Stream],
    pub(super) fleets: &'a [FleetRt],
    pub(super) acc: &'a mut Accounts,
    pub(super) observer: &'a mut O,
    pub(super) radio: &'a mut Radio,
    pub(super) software: &'a Software,
    /// Devices on their own SIMs: their service (read) and traffic per carrier (counted).
    pub(super) cellular: &'a mut Cellular,
    pub(super) horizon: Ticks,
}

impl<O: Observer> ReportCx<'_, O> {
    #[inline(always)]
    fn lose(&mut self, now: Ticks, msg: Msg, cause: LossCause) {
        let fleet = self.devices[msg.device as usize].fleet as usize;
        self.acc.lost(cause, fleet);
        self.observer.observe(now, Trace::Lost(msg.id(), cause));
    }
}

impl<O: Observer> World<O> {
    /// Device `d` is due to report and its fleet is plain (`FleetRt::plain`): the same draws,
    /// accounts and trace steps as [`Reporting::emit`] (both begin with [`generate`] and end
    /// with [`Reporting::cross_access`]), without the checks that cannot apply and without
    /// building the reporting context for every report (at 10,000 devices in the peer model,
    /// building it and the checks cost about a tenth of a report's instructions). Returns
    /// false, having drawn and changed nothing, for a device of any other fleet.
    #[inline(always)]
    pub(super) fn emit_plain(&mut self, sched: &mut Scheduler<Packed>, d: u32) -> bool {
        let dev = &mut self.devices[d as usize];
        let fleet = &self.fleets[dev.fleet()];
        if !fleet.plain {
            return false;
        }
        let stream = &mut self.traffic[d as usize];
        let (acc, observer) = (&mut self.acc, &mut self.observer);
        let msg = generate(sched, dev, fleet, stream, acc, observer, d);
        let cause = if !dev.up {
            LossCause::DeviceDown
        } else if self
            .reporting
            .cross_access::<O>(sched, dev, fleet, stream, msg, msg.created)
        {
            return true;
        } else {
            LossCause::LinkLoss
        };
        self.acc.lost(cause, dev.fleet());
        self.observer
            .observe(msg.created, Trace::Lost(msg.id(), cause));
        true
    }
}

/// The start of every report, whatever its path: device `d` (`dev`, of `fleet`, drawing from
/// `stream`) schedules its next report, and generates a message now, counted and traced
/// whatever happens to it next.
#[inline(always)]
fn generate<O: Observer>(
    sched: &mut Scheduler<Packed>,
    dev: &mut Device,
    fleet: &FleetRt,
    stream: &mut Stream,
    acc: &mut Accounts,
    observer: &mut O,
    d: u32,
) -> Msg {
    let now = sched.now();
    sched.schedule_at(
        now.saturating_add(fleet.report.sample(stream)),
        Event::Emit(d).into(),
    );
    let msg = Msg {
        created: now,
        queued: now,
        device: d,
        seq: dev.sent & !BAD,
    };
    dev.sent = dev.sent.wrapping_add(1);
    acc.generated(now, dev.fleet());
    observer.observe(now, Trace::Generated(msg.id()));
    msg
}

impl Reporting {
    /// Reporting with `buffered_devices` device buffers (none in flow mode).
    pub(super) fn new(buffered_devices: u32) -> Reporting {
        Reporting {
            device_buffers: vec![VecDeque::new(); buffered_devices as usize],
            long_delays: vec![],
            free_long: vec![],
            in_flight: 0,
        }
    }

    /// Schedules device `d`'s first report, at a random phase of its nominal period; with
    /// exponential gaps, after a gap of the law itself (memoryless: the stream of reports is
    /// Poisson from the start, not twice as dense over its first mean gap).
    pub(super) fn schedule_first(
        sched: &mut Scheduler<Packed>,
        devices: &[Device],
        traffic: &mut [Stream],
        fleets: &[FleetRt],
        d: u32,
    ) {
        let dev = &devices[d as usize];
        let law = &fleets[dev.fleet as usize].report;
        let period = law.nominal_period();
        let phase = if let DurationDist::Exponential { .. } = law {
            law.sample(&mut traffic[d as usize])
        } else if period == 0 {
            0
        } else {
            traffic[d as usize].random_range(0..period)
        };
        sched.schedule_at(phase, Event::Emit(d).into());
    }

    /// A device is due to report: the message is generated whatever the device's state, so a
    /// down device shows up as lost data, not as less data expected. Out of line: a device of
    /// a plain fleet reports through [`World::emit_plain`].
    #[inline(never)]
    pub(super) fn emit<O: Observer>(
        &mut self,
        sched: &mut Scheduler<Packed>,
        cx: &mut ReportCx<'_, O>,
        net: &Network,
        d: u32,
    ) {
        let dev = &mut cx.devices[d as usize];
        let fleet = &cx.fleets[dev.fleet as usize];
        let stream = &mut cx.traffic[d as usize];
        let mut msg = generate(sched, dev, fleet, stream, cx.acc, cx.observer, d);
        let now = msg.created;
        if !dev.up {
            return cx.lose(now, msg, LossCause::DeviceDown);
        }
        let flags = cx.software.flags(dev.fleet as usize, d);
        if flags != 0 {
            if flags & BRICKED != 0 {
                return cx.lose(now, msg, LossCause::Firmware);
            }
            if flags & EXPIRED != 0 {
                return cx.lose(now, msg, LossCause::AuthExpired);
            }
        }
        if fleet.device_buffer == 0 && net.cause_holds(d) {
            // A device with a buffer keeps the reading: `reachable` is false while held.
            return cx.lose(now, msg, LossCause::CommonCause);
        }
        if dev.degraded
            && let Some(spec) = &fleet.life.degradation
        {
            match degradation::reading(spec.effect, &mut cx.traffic[d as usize]) {
                Reading::Good => {}
                Reading::Bad => msg.seq |= BAD,
                Reading::Dropped => return cx.lose(now, msg, LossCause::SensorDropout),
            }
        }
        if fleet.cellular {
            let f = dev.fleet as usize;
            return self.cellular_emit(cx, now, msg, f);
        }
        if fleet.device_buffer > 0 {
            let f = dev.fleet as usize;
            if !net.reachable(f, d) {
                return self.keep_on_device(cx, now, f, msg);
            }
            return self.send_access(sched, cx, msg);
        }
        if let Some(rt) = fleet.lora {
            let index = d - fleet.first_device;
            let Some(link) = cx.radio.link(&rt, index) else {
                return cx.lose(now, msg, LossCause::OutOfRange);
            };
            let start = rt.start(now);
            if !cx.radio.may_transmit(&rt, index, link, start) {
                return cx.lose(now, msg, LossCause::DutyCycle);
            }
            let channel = match rt.channels {
                1 => 0,
                n => cx.traffic[d as usize].random_range(0..n),
            };
            self.in_flight += 1;
            return self.transmit(sched, cx, &rt, link, channel, msg, start);
        }
        let stream = &mut cx.traffic[d as usize];
        if !self.cross_access::<O>(sched, dev, fleet, stream, msg, now) {
            cx.lose(now, msg, LossCause::LinkLoss)
        }
    }

    /// Sends `msg` over its device's access link (`dev`'s, of `fleet`, drawing from `stream`)
    /// from `from` on, and schedules its arrival at the link's end; false, having drawn the
    /// loss, if the link loses it (the caller accounts the loss).
    #[inline(always)]
    fn cross_access<O: Observer>(
        &mut self,
        sched: &mut Scheduler<Packed>,
        dev: &mut Device,
        fleet: &FleetRt,
        stream: &mut Stream,
        msg: Msg,
        from: Ticks,
    ) -> bool {
        let Some(delay) = fleet.access.cross(stream, &mut dev.access_bad) else {
            return false;
        };
        self.in_flight += 1;
        // Sent now over a link of fixed latency: the arrival goes into that latency's lane.
        let lane = fleet.lane.filter(|_| from == sched.now());
        self.send_to_gateway::<O>(sched, msg, from.saturating_add(delay), lane);
        true
    }

    /// Sends `msg` over its device's access link now.
    fn send_access<O: Observer>(
        &mut self,
        sched: &mut Scheduler<Packed>,
        cx: &mut ReportCx<'_, O>,
        msg: Msg,
    ) {
        let now = sched.now();
        let dev = &mut cx.devices[msg.device as usize];
        let fleet = &cx.fleets[dev.fleet as usize];
        let stream = &mut cx.traffic[msg.device as usize];
        if !self.cross_access::<O>(sched, dev, fleet, stream, msg, now) {
            cx.lose(now, msg, LossCause::LinkLoss)
        }
    }

    /// Keeps a reading on its device while no gateway is reachable (the newest is dropped
    /// when the device's buffer is full).
    fn keep_on_device<O: Observer>(
        &mut self,
        cx: &mut ReportCx<'_, O>,
        now: Ticks,
        f: usize,
        msg: Msg,
    ) {
        let fleet = &cx.fleets[f];
        let i = (fleet.first_buffer + msg.device - fleet.first_device) as usize;
        let buffer = &mut self.device_buffers[i];
        if buffer.len() as u64 >= fleet.device_buffer {
            return cx.lose(now, msg, LossCause::BufferOverflow);
        }
        buffer.push_back(msg);
        let occupancy = buffer.len() as u64;
        cx.observer.observe(
            now,
            Trace::BufferedOnDevice {
                msg: msg.id(),
                occupancy,
            },
        );
    }

    /// Devices of group `group`'s fleets that can reach a gateway again send what they kept.
    pub(super) fn flush<O: Observer>(
        &mut self,
        sched: &mut Scheduler<Packed>,
        cx: &mut ReportCx<'_, O>,
        net: &Network,
        group: usize,
    ) {
        for &f in net.group_fleets(group) {
            let f = f as usize;
            let fleet = &cx.fleets[f];
            if fleet.device_buffer == 0 {
                continue;
            }
            let (first, first_buffer) = (fleet.first_device, fleet.first_buffer);
            let count = cx
                .fleets
                .get(f + 1)
                .map_or(cx.devices.len() as u32, |n| n.first_device)
                - first;
            for k in 0..count {
                let b = (first_buffer + k) as usize;
                if self.device_buffers[b].is_empty() || !net.reachable(f, first + k) {
                    continue;
                }
                let kept = std::mem::take(&mut self.device_buffers[b]);
                for msg in kept {
                    self.send_access(sched, cx, msg);
                }
            }
        }
    }

    /// A reading of device `msg.device` of cellular fleet `f`, past the device's own checks:
    /// sent over its carrier's network, sent into a dead network it has not noticed, or kept
    /// (lost without a buffer) while it has no service.
    fn cellular_emit<O: Observer>(
        &mut self,
        cx: &mut ReportCx<'_, O>,
        now: Ticks,
        msg: Msg,
        f: usize,
    ) {
        match cx.cellular.status(f, msg.device) {
            Status::Service(c) => Self::cellular_send(cx, now, msg, f, c),
            Status::Unnoticed => cx.lose(now, msg, LossCause::UndetectedOutage),
            Status::NoService | Status::NoCoverage if cx.fleets[f].device_buffer > 0 => {
                self.keep_on_device(cx, now, f, msg)
            }
            Status::NoService => cx.lose(now, msg, LossCause::NoService),
            Status::NoCoverage => cx.lose(now, msg, LossCause::NoCoverage),
        }
    }

    /// Sends `msg` over carrier `c`'s network: the fleet's link (the radio hop and the
    /// carrier's core) decides its loss and delay; no gateway, no queue.
    fn cellular_send<O: Observer>(
        cx: &mut ReportCx<'_, O>,
        now: Ticks,
        msg: Msg,
        f: usize,
        c: usize,
    ) {
        cx.cellular.sent(f, c);
        let dev = &mut cx.devices[msg.device as usize];
        let fleet = &cx.fleets[f];
        let Some(delay) = fleet
            .access
            .cross(&mut cx.traffic[msg.device as usize], &mut dev.access_bad)
        else {
            return cx.lose(now, msg, LossCause::LinkLoss);
        };
        let arrival = now.saturating_add(delay);
        if arrival >= cx.horizon {
            cx.acc.in_flight_at_horizon(f);
            cx.observer.observe(now, Trace::InFlightAtHorizon(msg.id()));
            return;
        }
        let site = cx.cellular.site(f);
        let (delay, on_time) = cx
            .acc
            .delivered(now, msg.created, arrival, (site, f), msg.bad());
        cx.observer.observe(
            now,
            Trace::Delivered {
                msg: msg.id(),
                arrival,
                delay,
                on_time,
            },
        );
    }

    /// Cellular devices that regained service send what they kept, each reading while its
    /// device still has service (a switch may fail again), the rest kept.
    pub(super) fn cellular_regained<O: Observer>(
        &mut self,
        cx: &mut ReportCx<'_, O>,
        now: Ticks,
        regained: &[u32],
    ) {
        for &d in regained {
            let f = cx.devices[d as usize].fleet as usize;
            let fleet = &cx.fleets[f];
            if fleet.device_buffer == 0 {
                continue;
            }
            let b = (fleet.first_buffer + d - fleet.first_device) as usize;
            let kept = std::mem::take(&mut self.device_buffers[b]);
            for msg in kept {
                match cx.cellular.status(f, d) {
                    Status::Service(c) => Self::cellular_send(cx, now, msg, f, c),
                    _ => self.keep_on_device(cx, now, f, msg),
                }
            }
        }
    }

    /// Schedules `msg`'s arrival at the end of its access link at `at`, through `lane` if it
    /// has one (then `at` is the lane's delay after now).
    #[inline(always)]
    fn send_to_gateway<O: Observer>(
        &mut self,
        sched: &mut Scheduler<Packed>,
        msg: Msg,
        at: Ticks,
        lane: Option<Lane>,
    ) {
        let d = msg.device;
        let delay = at - msg.created;
        // A traced run sends every message through the side table, which keeps its sequence
        // number; the events and their order are the same either way.
        let event = match u32::try_from(delay) {
            Ok(delay) if !O::ENABLED && msg.bad() => Event::ArriveBad { device: d, delay },
            Ok(delay) if !O::ENABLED => Event::Arrive { device: d, delay },
            _ => {
                let slot = match self.free_long.pop() {
                    Some(slot) => {
                        self.long_delays[slot as usize] = msg;
                        slot
                    }
                    None => {
                        self.long_delays.push(msg);
                        (self.long_delays.len() - 1) as u32
                    }
                };
                Event::ArriveLong { slot }
            }
        };
        match lane {
            Some(lane) => {
                debug_assert_eq!(at, sched.now().saturating_add(sched.delay(lane)));
                sched.schedule_in(lane, event.into())
            }
            None => sched.schedule_at(at, event.into()),
        }
    }

    /// A LoRa transmission of `msg` over `link` starts at `start` (now, or the next slot) on
    /// channel `channel` of its fleet's radio `rt`; the earlier transmission it overlaps, if
    /// any, is settled.
    #[allow(clippy::too_many_arguments)]
    fn transmit<O: Observer>(
        &mut self,
        sched: &mut Scheduler<Packed>,
        cx: &mut ReportCx<'_, O>,
        rt: &LoRaRt,
        link: Link,
        channel: u32,
        msg: Msg,
        start: Ticks,
    ) {
        let (c, end, earlier) = cx.radio.transmit(rt, link, channel, msg, start);
        if let Some((tx, lost)) = earlier {
            self.settle_transmission(sched, cx, tx, lost);
        }
        sched.schedule_at(end, Event::ChannelFree(c).into());
    }

    /// Channel `c`'s pending transmission ends now, unless a later one replaced it.
    pub(super) fn channel_free<O: Observer>(
        &mut self,
        sched: &mut Scheduler<Packed>,
        cx: &mut ReportCx<'_, O>,
        c: u32,
    ) {
        if let Some((tx, lost)) = cx.radio.channel_free(c, sched.now()) {
            self.settle_transmission(sched, cx, tx, lost);
        }
    }

    /// A LoRa transmission is over: lost to a collision, or on to the gateway over the access
    /// link (its loss and latency on top of the time on air).
    fn settle_transmission<O: Observer>(
        &mut self,
        sched: &mut Scheduler<Packed>,
        cx: &mut ReportCx<'_, O>,
        tx: Transmission,
        lost: bool,
    ) {
        let now = sched.now();
        self.in_flight -= 1;
        if lost {
            return cx.lose(now, tx.msg, LossCause::Collision);
        }
        let dev = &mut cx.devices[tx.msg.device as usize];
        let fleet = &cx.fleets[dev.fleet as usize];
        let stream = &mut cx.traffic[tx.msg.device as usize];
        let from = tx.end.max(now);
        if !self.cross_access::<O>(sched, dev, fleet, stream, tx.msg, from) {
            cx.lose(now, tx.msg, LossCause::LinkLoss)
        }
    }

    /// The message an arrival event (`Arrive`, `ArriveBad`, `ArriveLong`) at `now` carries, off
    /// its access link; `None` for any other event.
    #[inline]
    pub(super) fn arrival(&mut self, now: Ticks, event: Event) -> Option<Msg> {
        let msg = match event {
            Event::Arrive { device, delay } => {
                let created = now - delay as Ticks;
                // The sequence number travels only through the side table (traced runs).
                Msg {
                    created,
                    queued: created,
                    device,
                    seq: 0,
                }
            }
            Event::ArriveBad { device, delay } => {
                let created = now - delay as Ticks;
                Msg {
                    created,
                    queued: created,
                    device,
                    seq: BAD,
                }
            }
            Event::ArriveLong { slot } => {
                self.free_long.push(slot);
                self.long_delays[slot as usize]
            }
            _ => return None,
        };
        self.in_flight -= 1;
        Some(msg)
    }

    /// Messages kept on devices, and messages on access links, now (at the horizon).
    pub(super) fn held(&self) -> (u64, u64) {
        let kept = self.device_buffers.iter().map(|b| b.len() as u64).sum();
        (kept, self.in_flight)
    }

    /// The messages kept on devices now (at the horizon).
    pub(super) fn kept_messages(&self) -> impl Iterator<Item = &Msg> {
        self.device_buffers.iter().flatten()
    }

    /// The message an `ArriveLong` event at `slot` carries.
    pub(super) fn long_delay(&self, slot: u32) -> &Msg {
        &self.long_delays[slot as usize]
    }

    /// Reports the messages still on an access link (not on air) or kept on a device at the
    /// horizon `now`.
    pub(super) fn trace_leftovers<O: Observer>(&self, observer: &mut O, now: Ticks) {
        let mut free = vec![false; self.long_delays.len()];
        for &slot in &self.free_long {
            free[slot as usize] = true;
        }
        for (m, _) in self.long_delays.iter().zip(&free).filter(|(_, f)| !**f) {
            observer.observe(now, Trace::OnAccessLinkAtHorizon(m.id()));
        }
        for m in self.device_buffers.iter().flatten() {
            observer.observe(now, Trace::OnDeviceAtHorizon(m.id()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::no_custom_policies;
    use super::*;
    use crate::model::{Outcome, Recorder, Silent};
    use crate::scenario::{self, Deployment};

    /// Two fleets the short path takes: the peer model's (1% loss, a fixed 50 ms, failures
    /// and repairs often enough that reports find devices down) and one with a bursty link of
    /// random latency and exponential gaps, so every branch of a report's path is taken.
    const TWO_PLAIN_FLEETS: &str = r#"Scenario(
        name: "plain",
        horizon: "2d",
        seed: 7,
        sites: [Site(id: "site")],
        carriers: [Carrier(id: "backhaul")],
        gateways: [
            Gateway(id: "gw", site: "site", buffer_messages: 0, uplinks: [Uplink(carrier: "backhaul")]),
        ],
        fleets: [
            Fleet(
                id: "peers",
                site: "site",
                gateway: "gw",
                count: 40,
                report: Jitter(period: "60s", jitter: Exponential(mean: "2s")),
                link: Link(loss: 0.01, latency: Fixed("50ms")),
                failure: Failure(lifetime: Exponential(mean: "6h"), repair: Exponential(mean: "1h")),
            ),
            Fleet(
                id: "bursty",
                site: "site",
                gateway: "gw",
                count: 15,
                report: Exponential(mean: "5m"),
                link: Link(
                    loss: 0.02,
                    latency: LogNormal(median: "50ms", sigma: 0.5),
                    burst: GilbertElliott(enter: 0.05, leave: 0.1, loss: 0.5),
                ),
                failure: Failure(lifetime: Exponential(mean: "12h"), repair: Exponential(mean: "2h")),
            ),
        ],
    )"#;

    /// Runs replication 0 of `dep` with `observer`, every report through the short path
    /// (`plain`) or, with the fleets' marks taken off after the build, through the general
    /// `Reporting::emit`.
    fn run<O: Observer>(dep: &Deployment, observer: O, plain: bool) -> (Outcome, O) {
        let mut sched = Scheduler::with_capacity(World::<Silent>::queue_capacity(dep));
        let mut world = World::build(
            dep,
            0,
            &mut sched,
            observer,
            &no_custom_policies,
            super::super::RunMode::Packet,
            dep.horizon,
        );
        assert!(
            world.fleets.iter().all(|f| f.plain),
            "both fleets take the short path when marked"
        );
        if !plain {
            world.fleets.iter_mut().for_each(|f| f.plain = false);
        }
        sched.run(&mut world, dep.horizon);
        world.finish(&mut sched, dep).expect("conserved")
    }

    /// A plain fleet's reports give the same results and the same trace, step for step,
    /// through the short path as through the general one: the two share the report's start
    /// (`generate`) and its access link (`Reporting::cross_access`), and the checks only the
    /// general path makes cannot apply.
    #[test]
    fn the_short_path_reports_as_the_general_one_does() {
        let dep = scenario::compile_source(TWO_PLAIN_FLEETS, "plain.ron")
            .unwrap_or_else(|e| panic!("{e}"));
        let (short, short_trace) = run(&dep, Recorder::default(), true);
        let (general, general_trace) = run(&dep, Recorder::default(), false);
        assert_eq!(format!("{short:?}"), format!("{general:?}"));
        assert_eq!(short_trace.steps.len(), general_trace.steps.len());
        for (k, (s, g)) in short_trace
            .steps
            .iter()
            .zip(&general_trace.steps)
            .enumerate()
        {
            assert_eq!(s, g, "trace step {k}");
        }
        let ledger = &short.ledger;
        let (down, link) = (LossCause::DeviceDown, LossCause::LinkLoss);
        assert!(
            ledger.lost_by(down) > 100 && ledger.lost_by(link) > 100 && ledger.delivered() > 10_000,
            "every branch taken: {ledger:?}"
        );
        // Untraced, arrivals travel as packed events instead of through the side table.
        let (short, _) = run(&dep, Silent, true);
        let (general, _) = run(&dep, Silent, false);
        assert_eq!(format!("{short:?}"), format!("{general:?}"));
    }
}
