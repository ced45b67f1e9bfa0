//! Flow mode at a gateway over a settled interval, its state constant: what arrived is lost
//! (gateway down), stored (no uplink in use), served by a fluid server (a capacity limit), or
//! forwarded over the uplink in use; and the backlog leaving when the gateway can forward
//! again. The derivations are in docs/flow-mode.md.

use crate::engine::{TICKS_PER_SECOND, Ticks};
use crate::model::fluid::{self, Chunk};
use crate::model::freshness::ReadingRun;
use crate::model::ledger::LossCause;

use super::super::network::Network;
use super::{Departure, FRESHNESS_ONE_BY_ONE, Flow, FlowCx, spread};

impl Flow {
    /// Gateway `g` over [t0, t1) with its state constant: what arrived is lost, stored, or
    /// forwarded (through its fluid server, if it has a capacity limit).
    pub(super) fn settle_gateway(
        &mut self,
        cx: &mut FlowCx<'_>,
        net: &mut Network,
        g: usize,
        t0: Ticks,
        t1: Ticks,
    ) {
        let incoming = std::mem::take(&mut self.gateways[g].incoming);
        if !net.gateway_up(g) {
            let lost: u64 = incoming.iter().map(|c| c.count).sum();
            cx.acc.ledger.lost[LossCause::GatewayDown as usize] += lost;
        } else if net.uplink_in_use(g).is_none() {
            self.store(cx, g, &incoming);
        } else if !net.has_server(g) {
            // The backlog left when the gateway could forward again (`Flow::drain`).
            for &chunk in &incoming {
                let d = Departure {
                    chunk,
                    first: chunk.first as f64,
                    last: chunk.last as f64,
                    waited: false,
                    drained: false,
                };
                self.forward(cx, net, g, d, 0.0);
            }
        } else {
            self.serve(cx, net, g, &incoming, t0, t1);
        }
        let mut incoming = incoming;
        incoming.clear();
        self.gateways[g].incoming = incoming;
    }

    /// Stores arrivals in gateway `g`'s buffer (no uplink in use), dropping what overflows.
    pub(super) fn store(&mut self, cx: &mut FlowCx<'_>, g: usize, incoming: &[Chunk]) {
        let gf = &mut self.gateways[g];
        if gf.queue.capacity == 0 {
            let lost: u64 = incoming.iter().map(|c| c.count).sum();
            cx.acc.ledger.lost[LossCause::NoPath as usize] += lost;
            return;
        }
        for &c in incoming {
            gf.queue.push(c);
        }
        let peak = gf.queue.level().min(gf.queue.capacity);
        let mut lost = 0;
        gf.queue.enforce_capacity(&mut |c| lost += c.count);
        cx.acc.ledger.lost[LossCause::BufferOverflow as usize] += lost;
        cx.acc.peak_buffered = cx.acc.peak_buffered.max(peak);
    }

    /// Mean and second moment of gateway `g`'s service time for the fleets in `mix`, in ticks.
    pub(super) fn service_moments(&self, net: &Network, g: usize, mix: &[Chunk]) -> (f64, f64) {
        let rate = net.rate_in_use(g);
        let (p1, p2) = self.gateways[g].processing;
        let total: u64 = mix.iter().map(|c| c.count).sum();
        let moments = |bits: f64| {
            let send = rate.map_or(0.0, |r| (bits / r * TICKS_PER_SECOND as f64).ceil());
            (p1 + send, p2 + 2.0 * p1 * send + send * send)
        };
        if total == 0 {
            let bits = mix
                .first()
                .map_or(0.0, |c| self.fleets[c.fleet as usize].bits);
            return moments(bits);
        }
        let (mut m1, mut m2) = (0.0, 0.0);
        for c in mix {
            let (a, b) = moments(self.fleets[c.fleet as usize].bits);
            let w = c.count as f64 / total as f64;
            m1 += w * a;
            m2 += w * b;
        }
        (m1, m2)
    }

    /// Gateway `g`'s server over [t0, t1), as a fluid queue: the backlog drains at 1/E[S]
    /// while arrivals join it; once it is empty (below saturation) arrivals pass with the
    /// M/G/1 mean wait; above saturation the buffer fills, then overflows.
    fn serve(
        &mut self,
        cx: &mut FlowCx<'_>,
        net: &mut Network,
        g: usize,
        incoming: &[Chunk],
        t0: Ticks,
        t1: Ticks,
    ) {
        let span = (t1 - t0) as f64;
        let arrived: u64 = incoming.iter().map(|c| c.count).sum();
        let mix: Vec<Chunk> = if arrived > 0 {
            incoming.to_vec()
        } else {
            self.gateways[g].queue.chunks().copied().take(1).collect()
        };
        let (es, es2) = self.service_moments(net, g, &mix);
        let rate = arrived as f64 / span;
        let q0 = self.gateways[g].queue.level();
        let below = rate * es < 1.0;
        let wait = fluid::pk_wait(rate, es, es2);
        let mut departures: Vec<Departure> = vec![];
        let mut passing: Vec<Chunk> = vec![];
        let no_queue = self.gateways[g].queue.capacity == 0;
        if q0 == 0 && below && no_queue {
            self.block_at_server(cx, g, incoming, rate * es, &mut passing);
        } else if q0 == 0 && below {
            passing.extend_from_slice(incoming);
        } else {
            let server = Server {
                q0,
                arrived,
                rate,
                es,
                below,
            };
            self.drain_backlog(
                cx,
                g,
                incoming,
                server,
                t0,
                span,
                &mut departures,
                &mut passing,
            );
        }
        let served: u64 = departures.iter().map(|d| d.chunk.count).sum::<u64>()
            + passing.iter().map(|c| c.count).sum::<u64>();
        net.add_busy(g, (served as f64 * es).round() as Ticks);
        for d in departures {
            self.forward(cx, net, g, d, es);
        }
        let wait = if wait.is_finite() && !no_queue {
            wait
        } else {
            0.0
        };
        for chunk in passing {
            let d = Departure {
                chunk,
                first: chunk.first as f64 + wait,
                last: chunk.last as f64 + wait,
                waited: true,
                drained: false,
            };
            self.forward(cx, net, g, d, es);
        }
    }

    /// A server without room to wait at load `rho`: a message arriving while one is in
    /// service is dropped. The M/G/1/1 loss system blocks a share ρ/(1 + ρ) of arrivals,
    /// whatever the law of service; the others pass without waiting (into `passing`).
    fn block_at_server(
        &mut self,
        cx: &mut FlowCx<'_>,
        g: usize,
        incoming: &[Chunk],
        rho: f64,
        passing: &mut Vec<Chunk>,
    ) {
        let blocked = rho / (1.0 + rho);
        let mut lost = 0;
        for &c in incoming {
            let k = fluid::binomial(&mut self.gateways[g].rng, c.count, blocked);
            if k < c.count {
                let bad_lost = (c.bad as u128 * k as u128 / c.count as u128) as u64;
                passing.push(Chunk {
                    count: c.count - k,
                    bad: c.bad - bad_lost,
                    ..c
                });
            }
            lost += k;
        }
        cx.acc.ledger.lost[LossCause::BufferOverflow as usize] += lost;
    }

    /// Arrivals join gateway `g`'s backlog, which its server drains at 1/E[S] from `t0` over
    /// `span` ticks: the messages leaving are spaced evenly over the time the server is busy
    /// (into `departures`); if the backlog empties within the interval, what is left passes
    /// with the M/G/1 wait (into `passing`); what the buffer cannot hold overflows.
    #[allow(clippy::too_many_arguments)]
    fn drain_backlog(
        &mut self,
        cx: &mut FlowCx<'_>,
        g: usize,
        incoming: &[Chunk],
        server: Server,
        t0: Ticks,
        span: f64,
        departures: &mut Vec<Departure>,
        passing: &mut Vec<Chunk>,
    ) {
        let Server {
            q0,
            arrived,
            rate,
            es,
            below,
        } = server;
        let gf = &mut self.gateways[g];
        for &c in incoming {
            gf.queue.push(c);
        }
        let mu = if es > 0.0 { 1.0 / es } else { f64::INFINITY };
        // How long the backlog takes to empty, and how many leave meanwhile.
        let empty_after = if below && mu.is_finite() {
            q0 as f64 / (mu - rate)
        } else {
            f64::INFINITY
        };
        let (busy_for, leaving) = if empty_after < span {
            let joined = (arrived as f64 * empty_after / span).round() as u64;
            (empty_after, q0 + joined.min(arrived))
        } else {
            let exact = mu * span + gf.carry;
            let k = if exact.is_finite() {
                exact.floor().max(0.0) as u64
            } else {
                u64::MAX
            };
            gf.carry = if exact.is_finite() {
                exact - k as f64
            } else {
                0.0
            };
            (span, k)
        };
        let mut j = 0u64;
        let start = t0 as f64;
        let step = if leaving > 0 {
            busy_for / leaving as f64
        } else {
            0.0
        };
        gf.queue.take_front(leaving, &mut |chunk| {
            let first = start + j as f64 * step;
            j += chunk.count;
            let last = start + (j - 1) as f64 * step;
            departures.push(Departure {
                chunk,
                first,
                last,
                waited: true,
                drained: false,
            });
        });
        if empty_after < span {
            let rest = gf.queue.level();
            gf.queue.take_front(rest, &mut |c| passing.push(c));
        }
        // The backlog q0 was counted when it was stored (or flushed from devices, whose
        // peak leaves out what the server drained while the burst arrived).
        let peak = gf.queue.level();
        let mut lost = 0;
        gf.queue.enforce_capacity(&mut |c| lost += c.count);
        cx.acc.ledger.lost[LossCause::BufferOverflow as usize] += lost;
        cx.acc.peak_buffered = cx.acc.peak_buffered.max(peak.min(gf.queue.capacity));
    }

    /// Flow mode: gateway `g` can forward again; without a server its whole backlog leaves now
    /// (with a server, the next settled interval drains it at the service rate).
    pub(in crate::model::world) fn drain(
        &mut self,
        cx: &mut FlowCx<'_>,
        net: &Network,
        now: Ticks,
        g: usize,
    ) {
        if net.can_forward(g) && !net.has_server(g) && !self.gateways[g].queue.is_empty() {
            let mut pieces = vec![];
            let level = self.gateways[g].queue.level();
            self.gateways[g]
                .queue
                .take_front(level, &mut |c| pieces.push(c));
            for chunk in pieces {
                let d = Departure {
                    chunk,
                    first: now as f64,
                    last: now as f64,
                    waited: true,
                    drained: true,
                };
                self.forward(cx, net, g, d, 0.0);
            }
        }
    }

    /// A piece leaves gateway `g` over its uplink in use (after `service` ticks in the
    /// server): lost to an undetected outage or the uplink, delivered on time or late, or in
    /// flight at the horizon.
    pub(super) fn forward(
        &mut self,
        cx: &mut FlowCx<'_>,
        net: &Network,
        g: usize,
        d: Departure,
        service: f64,
    ) {
        let c = d.chunk;
        let k = c.count;
        if k == 0 {
            return;
        }
        let wait_first = d.first - c.first as f64;
        let wait_last = d.last - c.last as f64;
        let mean_wait = ((wait_first + wait_last) / 2.0).max(0.0);
        if d.waited {
            // Readings kept on devices wait at the gateway from when they reached it.
            let gateway_wait = if c.reached > 0 {
                ((d.first + d.last) / 2.0 - c.reached as f64).max(0.0)
            } else {
                mean_wait
            };
            cx.acc.waited += k;
            cx.acc.wait_sum += (gateway_wait * k as f64).round() as u128;
        }
        let Some(active) = net.uplink_in_use(g) else {
            debug_assert!(false, "forward without an uplink in use");
            return;
        };
        let (carrier, hop) = net.uplink(g, active);
        if !net.carrier_up(carrier) {
            cx.acc.ledger.lost[LossCause::UndetectedOutage as usize] += k;
            return;
        }
        cx.acc.carrier_messages[carrier] += k;
        let gf = &mut self.gateways[g];
        let survived = hop.survivors(&mut gf.rng, k);
        cx.acc.ledger.lost[LossCause::LinkLoss as usize] += k - survived;
        if survived == 0 {
            return;
        }
        let fleet = c.fleet as usize;
        let member = net.member_of_fleet_group(fleet, g);
        let table = if d.drained {
            &self.uplink_latency[g][active]
        } else {
            &self.fleets[fleet].latency[member][active]
        };
        let horizon = cx.horizon as f64;
        let deadline = cx.acc.deadline as f64;
        // In flight at the horizon: leaving uniformly over [d.first, d.last], a message is
        // still on the uplink with probability E[(delay − (horizon − leaves))+] / span.
        let in_flight = if d.last + service + table.max() as f64 >= horizon {
            let until = horizon - d.last - service;
            let span = d.last - d.first;
            let p = if span >= 1.0 {
                (table.mean_excess(until) / span).min(1.0)
            } else {
                table.exceeds(until - 1.0)
            };
            fluid::binomial(&mut gf.rng, survived, p)
        } else {
            0
        };
        cx.acc.ledger.in_flight_at_horizon += in_flight;
        let delivered = survived - in_flight;
        let p_late = table.late_share(wait_first, wait_last, deadline - service);
        let late = fluid::binomial(&mut gf.rng, delivered, p_late);
        let on_time = delivered - late;
        if c.bad > 0 {
            let share = c.bad as f64 / k as f64;
            cx.acc.ledger.delivered_bad += fluid::binomial(&mut gf.rng, delivered, share);
        }
        cx.acc.ledger.delivered_on_time += on_time;
        cx.acc.ledger.delivered_late += late;
        let delay = mean_wait + service + table.mean;
        cx.acc.ledger.delay_sum += (delay * delivered as f64).round() as u128;
        spread(
            &mut cx.acc.series,
            1,
            c.first,
            c.last + 1,
            on_time,
            cx.acc.span,
        );
        let latency = service + table.mean;
        keep_fresh(cx, net.site_of_fleet(fleet), &d, on_time, latency);
    }
}

/// Freshness: each of the `on_time` readings of piece `d` delivered on time keeps its site
/// fresh from its arrival (leaving plus `latency`) until its creation plus the deadline.
pub(super) fn keep_fresh(
    cx: &mut FlowCx<'_>,
    site: usize,
    d: &Departure,
    on_time: u64,
    latency: f64,
) {
    if on_time == 0 {
        return;
    }
    let c = d.chunk;
    let deadline = cx.acc.deadline as f64;
    // Averages over the piece: message x ∈ [0, 1] was created at first + x·span and leaves
    // at d.first + x·(d.last − d.first).
    let leaves = |x: f64| d.first + x * (d.last - d.first);
    let created = |x: f64| c.first as f64 + x * (c.last - c.first) as f64;
    let spacing = (c.last - c.first) as f64 / on_time as f64;
    let fresh = &mut cx.acc.freshness[site];
    if spacing > deadline / 2.0 && on_time > FRESHNESS_ONE_BY_ONE {
        // Sparse readings over a long piece (a small site quiet for years): each still covers
        // its own interval, as settling reaches it.
        fresh.cover_run(ReadingRun {
            leaves: (d.first, d.last),
            created: (c.first as f64, c.last as f64),
            latency,
            deadline,
            count: on_time,
            next: 0,
        });
    } else if spacing > deadline / 2.0 {
        for i in 0..on_time {
            let x = (i as f64 + 0.5) / on_time as f64;
            let start = leaves(x) + latency;
            let end = created(x) + deadline;
            if end > start {
                fresh.cover(start as Ticks, end as Ticks);
            }
        }
    } else {
        // The readings still fresh on arrival are those with created + deadline beyond
        // leaving + latency: g(x) > 0 for g linear in x; they cover from the first such
        // arrival to the last such creation plus the deadline.
        let g = |x: f64| created(x) + deadline - leaves(x) - latency;
        let (g0, g1) = (g(0.0), g(1.0));
        let (lo, hi) = match (g0 > 0.0, g1 > 0.0) {
            (true, true) => (0.0, 1.0),
            (false, false) => return,
            (false, true) => (g0 / (g0 - g1), 1.0),
            (true, false) => (0.0, g0 / (g0 - g1)),
        };
        let step = 0.5 / on_time as f64;
        let start = leaves(lo + step) + latency;
        let end = created(hi - step) + deadline;
        if end > start {
            fresh.cover(start as Ticks, end as Ticks);
        }
    }
}

/// The state of a gateway's server over an interval: the backlog at its start, the arrivals
/// and their rate (per tick), the mean service time, and whether the load is below one.
#[derive(Clone, Copy)]
struct Server {
    q0: u64,
    arrived: u64,
    rate: f64,
    es: f64,
    below: bool,
}
