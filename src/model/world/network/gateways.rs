//! Messages at gateways: arriving, stored in the buffer, served, forwarded over the uplink in
//! use, and the backlog draining when the gateway can forward again (packet mode).

use crate::engine::{Scheduler, TICKS_PER_SECOND, Ticks};
use crate::scenario::DropPolicy;

use super::super::super::event::{Event, Packed};
use super::super::super::ledger::LossCause;
use super::super::super::trace::{Observer, Trace};
use super::super::Msg;
use super::super::accounts::Accounts;
use super::{Courier, GatewayRt, Network};

impl GatewayRt {
    /// Tells the accounts what gateway `g` holds now: messages waiting, and those in service.
    #[inline]
    fn account_held(&self, acc: &mut Accounts, now: Ticks, g: usize) {
        let serving = self.server.as_ref().map_or(0, |s| s.busy);
        acc.gateway_held(now, g, self.buffer.len() as u64, u64::from(serving));
    }
}

impl Network {
    /// A message reaches the end of its access link (the world has taken it off the link).
    pub(in crate::model::world) fn arrive<O: Observer>(
        &mut self,
        sched: &mut Scheduler<Packed>,
        cx: &mut Courier<'_, O>,
        mut msg: Msg,
    ) {
        let now = sched.now();
        let f = cx.senders[msg.device as usize].fleet();
        let Some(g) = self.route(f, msg.device) else {
            // A redundancy group with no gateway in use: switching over, or not covered.
            return cx.lose(now, msg, LossCause::GatewayDown);
        };
        if self.round_robin {
            self.took_turn(f, g);
        }
        cx.observer.observe(
            now,
            Trace::AtGateway {
                msg: msg.id(),
                gateway: g as u32,
            },
        );
        msg.queued = now;
        let gw = &mut self.gateways[g];
        if !gw.health.up {
            return cx.lose(now, msg, LossCause::GatewayDown);
        }
        let ready = gw.active.is_some() && gw.buffer.is_empty();
        match &gw.server {
            None if ready => {
                cx.acc.sent_at_once(g);
                self.forward(cx, now, g, msg)
            }
            Some(s) if ready => match s.free_channel() {
                Some(channel) => self.start_service(sched, cx, g, channel, msg),
                None => self.store(cx, now, g, msg),
            },
            _ => self.store(cx, now, g, msg),
        }
        self.gateways[g].account_held(cx.acc, now, g);
    }

    /// Keeps a message in gateway `g`'s buffer (an outage) or queue (every channel is busy);
    /// without a buffer it is lost (a loss system's blocking, when the channels are busy).
    fn store<O: Observer>(&mut self, cx: &mut Courier<'_, O>, now: Ticks, g: usize, msg: Msg) {
        let gw = &mut self.gateways[g];
        if gw.capacity == 0 {
            let cause = if gw.active.is_none() {
                LossCause::NoPath
            } else {
                LossCause::BufferOverflow
            };
            return cx.lose(now, msg, cause);
        }
        if gw.buffer.len() as u64 >= gw.capacity {
            if !gw.connected {
                cx.acc.buffer_overflowed(g);
            }
            match gw.drop {
                DropPolicy::DropNewest => return cx.lose(now, msg, LossCause::BufferOverflow),
                DropPolicy::DropOldest => {
                    if let Some(old) = gw.buffer.pop_front() {
                        gw.buffer.push_back(msg);
                        return cx.lose(now, old, LossCause::BufferOverflow);
                    }
                }
            }
        }
        gw.buffer.push_back(msg);
        let occupancy = gw.buffer.len() as u64;
        cx.acc.peak_buffered = cx.acc.peak_buffered.max(occupancy);
        cx.observer.observe(
            now,
            Trace::Buffered {
                msg: msg.id(),
                gateway: g as u32,
                occupancy,
            },
        );
    }

    /// Free channel `channel` of gateway `g`'s server takes `msg`: it leaves on the uplink
    /// when the service ends.
    fn start_service<O: Observer>(
        &mut self,
        sched: &mut Scheduler<Packed>,
        cx: &mut Courier<'_, O>,
        g: usize,
        channel: usize,
        msg: Msg,
    ) {
        let now = sched.now();
        cx.acc.waited(g, now - msg.queued);
        let bits = self.paths[cx.senders[msg.device as usize].fleet()].message_bits;
        let gw = &mut self.gateways[g];
        let rate = gw.active.and_then(|u| gw.uplinks[u].rate_bps);
        let Some(server) = &mut gw.server else {
            return;
        };
        let processing = server
            .service
            .as_ref()
            .map_or(0, |d| d.sample(&mut server.rng));
        let sending = rate.map_or(0, |r| (bits / r * TICKS_PER_SECOND as f64).ceil() as Ticks);
        server.set_busy(now, server.busy + 1);
        server.channels[channel] = Some(msg);
        sched.schedule_at(
            now.saturating_add(processing.saturating_add(sending)),
            Event::ServiceDone {
                gateway: g as u32,
                channel: channel as u32,
            }
            .into(),
        );
    }

    /// Channel `channel` of gateway `g`'s server has finished a message: it goes on the
    /// uplink, and the next one in the queue starts.
    pub(in crate::model::world) fn service_done<O: Observer>(
        &mut self,
        sched: &mut Scheduler<Packed>,
        cx: &mut Courier<'_, O>,
        g: usize,
        channel: usize,
    ) {
        let now = sched.now();
        let gw = &mut self.gateways[g];
        let Some(server) = &mut gw.server else {
            return;
        };
        let Some(msg) = server.channels[channel].take() else {
            return;
        };
        server.set_busy(now, server.busy - 1);
        if gw.can_forward() {
            self.forward(cx, now, g, msg);
        } else {
            // The path went away meanwhile: the message waits at the head of the buffer.
            gw.buffer.push_front(msg);
        }
        self.next_service(sched, cx, g, channel);
        self.gateways[g].account_held(cx.acc, now, g);
    }

    /// Free channel `channel` of gateway `g` takes the head of the queue if the gateway can
    /// forward. The other channels need no look: while the gateway can forward, a message
    /// waits only when every channel is busy (an arrival takes a free channel, a freed channel
    /// the head of the queue, and `drain` fills them all when forwarding comes back).
    fn next_service<O: Observer>(
        &mut self,
        sched: &mut Scheduler<Packed>,
        cx: &mut Courier<'_, O>,
        g: usize,
        channel: usize,
    ) {
        let gw = &mut self.gateways[g];
        if !gw.can_forward() {
            return;
        }
        if let Some(m) = gw.buffer.pop_front() {
            self.start_service(sched, cx, g, channel, m);
        }
    }

    /// Sends one message over gateway `g`'s uplink in use. Uplink draws use the sending
    /// device's stream, so a message's fate does not depend on other devices' traffic.
    /// Inline: it is the second half of almost every arrival, and as a call it cost a frame
    /// and a spill of the message (about 25 instructions a message at 10,000 devices).
    #[inline(always)]
    fn forward<O: Observer>(&mut self, cx: &mut Courier<'_, O>, now: Ticks, g: usize, msg: Msg) {
        let gw = &mut self.gateways[g];
        let Some(active) = gw.active else {
            debug_assert!(false, "forward without an uplink in use");
            return;
        };
        let carrier = gw.uplinks[active].carrier;
        if !self.carriers[carrier].health.up {
            return cx.lose(now, msg, LossCause::UndetectedOutage);
        }
        cx.acc.carrier_messages[carrier] += 1;
        let f = cx.senders[msg.device as usize].fleet();
        let uplink = &mut gw.uplinks[active];
        match uplink
            .hop
            .cross(&mut cx.traffic[msg.device as usize], &mut uplink.bad)
        {
            None => cx.lose(now, msg, LossCause::LinkLoss),
            Some(delay) => {
                let arrival = now.saturating_add(delay);
                if arrival >= cx.horizon {
                    cx.acc.in_flight_at_horizon(f);
                    cx.observer.observe(now, Trace::InFlightAtHorizon(msg.id()));
                } else {
                    let site = self.paths[f].site as usize;
                    let (delay, on_time) =
                        cx.acc
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
            }
        }
    }

    /// Sends gateway `g`'s backlog if it can forward again: at once without a server, else
    /// through the server, one message at a time.
    pub(in crate::model::world) fn drain<O: Observer>(
        &mut self,
        sched: &mut Scheduler<Packed>,
        cx: &mut Courier<'_, O>,
        g: usize,
    ) {
        let now = sched.now();
        let gw = &mut self.gateways[g];
        if !gw.can_forward() || gw.buffer.is_empty() {
            return;
        }
        if let Some(server) = &gw.server {
            // Every free channel takes the next message, in channel order.
            for channel in 0..server.channels.len() {
                let gw = &self.gateways[g];
                if gw
                    .server
                    .as_ref()
                    .is_some_and(|s| s.channels[channel].is_none())
                {
                    self.next_service(sched, cx, g, channel);
                }
            }
            return self.gateways[g].account_held(cx.acc, now, g);
        }
        let backlog = std::mem::take(&mut gw.buffer);
        for m in &backlog {
            cx.acc.waited(g, now - m.queued);
            self.forward(cx, now, g, *m);
        }
        let gw = &mut self.gateways[g];
        gw.buffer = backlog;
        gw.buffer.clear();
        gw.account_held(cx.acc, now, g);
    }
}
