//! Flow mode's device buffers seen from the world: a home's kept readings are offered while it
//! cannot reach a gateway and flushed to the gateway it reaches again. The aggregate buffers
//! themselves and their derivation are in `kept.rs`.

use crate::engine::Ticks;
use crate::model::fluid::{self, Chunk};
use crate::model::ledger::LossCause;
use crate::model::trace::Observer;

use super::super::World;
use super::super::network::Network;
use super::kept::{burst_passing, burst_peak};
use super::{Departure, Flow};

impl<O: Observer> World<O> {
    /// Flow mode, while settling fleet `f`: its home `m` cannot reach a gateway, so the
    /// readings its devices offered over the interval (`chunk`, a share `up_share` of the
    /// home's device-time able to offer them, `span` ticks) are kept or overflow.
    pub(in crate::model::world) fn flow_keep(
        &mut self,
        flow: &mut Flow,
        f: usize,
        m: usize,
        chunk: Chunk,
        up_share: f64,
        span: Ticks,
    ) {
        let lost = flow.fleets[f].kept[m].offer(chunk, up_share, span);
        self.acc.ledger.lost[LossCause::BufferOverflow as usize] += lost;
    }

    /// Flow mode's `flush_devices`: the homes of group `group`'s fleets that can reach a
    /// gateway now send what their devices kept, over their access link, to that gateway.
    pub(in crate::model::world) fn flow_flush_devices(
        &mut self,
        net: &mut Network,
        now: Ticks,
        group: usize,
    ) {
        // The event that made the gateway reachable has settled its component up to now
        // (`flow_before`); settling again is a no-op then, and keeps the order right if not.
        for i in 0..net.group_fleets(group).len() {
            let f = net.group_fleets(group)[i] as usize;
            if self.fleets[f].device_buffer == 0 {
                continue;
            }
            let c = self
                .flow
                .as_ref()
                .map(|flow| flow.comp_of_fleet[f] as usize);
            if let Some(c) = c {
                self.settle_component(net, c, now);
            }
        }
        let Some(mut flow) = self.flow.take() else {
            return;
        };
        let mut pieces = vec![];
        for i in 0..net.group_fleets(group).len() {
            let f = net.group_fleets(group)[i] as usize;
            for m in 0..flow.fleets[f].kept.len() {
                let home = self.fleets[f].first_device + m as u32;
                if !net.reachable(f, home) {
                    continue;
                }
                let Some(g) = net.route(f, home) else {
                    continue;
                };
                pieces.clear();
                flow.fleets[f].kept[m].flush(&mut pieces);
                for &chunk in &pieces {
                    self.flow_send_kept(&mut flow, net, f, g, chunk, now);
                }
            }
        }
        self.flow = Some(flow);
    }

    /// A piece kept on fleet `f`'s devices crosses the access link now and meets gateway `g`.
    fn flow_send_kept(
        &mut self,
        flow: &mut Flow,
        net: &mut Network,
        f: usize,
        g: usize,
        chunk: Chunk,
        now: Ticks,
    ) {
        let rng = &mut flow.fleets[f].rng;
        let access = &self.fleets[f].access;
        let bad = if chunk.bad > 0 {
            access.survivors(rng, chunk.bad)
        } else {
            0
        };
        let good = access.survivors(rng, chunk.count - chunk.bad);
        self.acc.ledger.lost[LossCause::LinkLoss as usize] += chunk.count - good - bad;
        let arrived = Chunk {
            count: good + bad,
            bad,
            reached: now,
            ..chunk
        };
        if arrived.count == 0 {
            return;
        }
        if !net.gateway_up(g) {
            // Not reachable after all (flushes only go to gateways that are up).
            self.acc.ledger.lost[LossCause::GatewayDown as usize] += arrived.count;
        } else if net.uplink_in_use(g).is_none() {
            self.flow_store(flow, g, &[arrived]);
        } else if net.has_server(g) && flow.gateways[g].queue.capacity == 0 {
            self.flow_burst_without_buffer(flow, net, f, g, arrived, now);
        } else if net.has_server(g) {
            // Behind the server: the next settled interval drains the queue at its rate. The
            // burst reaches the gateway over the spread of the access delay while the server
            // already drains it, so the peak it makes is the fluid one over that spread.
            let (es, _) = self.service_moments(flow, net, g, &[arrived]);
            let k = arrived.count;
            let burst = flow.fleets[f]
                .access_delay
                .as_ref()
                .map_or(k, |law| burst_peak(law, k as f64, es).round() as u64);
            let gf = &mut flow.gateways[g];
            let before = gf.queue.level();
            gf.queue.push(arrived);
            let peak = (before + burst.min(k)).min(gf.queue.capacity);
            let mut lost = 0;
            gf.queue.enforce_capacity(&mut |c| lost += c.count);
            self.acc.ledger.lost[LossCause::BufferOverflow as usize] += lost;
            self.acc.peak_buffered = self.acc.peak_buffered.max(peak);
        } else {
            let d = Departure {
                chunk: arrived,
                first: now as f64,
                last: now as f64,
                waited: false,
                drained: false,
            };
            self.flow_forward(flow, net, g, d, 0.0);
        }
    }

    /// A flushed piece at gateway `g`, which serves one message at a time and has no buffer:
    /// its k readings, sent together, reach the gateway spread by the access link's delay law.
    /// Over each of `kept::BURST_SLICES` equal-probability slices of that law, of width w, k/n of
    /// them arrive at rate λ = k/(n·w): as in the M/G/1/1 loss system (`flow_serve`), a share
    /// 1/(1 + λE[S]) of them find the server free and pass without waiting, the others are
    /// lost (`buffer_overflow`). At least one passes (all at once, only the first does).
    fn flow_burst_without_buffer(
        &mut self,
        flow: &mut Flow,
        net: &mut Network,
        f: usize,
        g: usize,
        chunk: Chunk,
        now: Ticks,
    ) {
        let (es, _) = self.service_moments(flow, net, g, &[chunk]);
        let k = chunk.count;
        let expected = flow.fleets[f]
            .access_delay
            .as_ref()
            .map_or(1.0, |law| burst_passing(law, k as f64, es));
        let share = (expected.max(1.0) / k as f64).min(1.0);
        let passes = fluid::binomial(&mut flow.gateways[g].rng, k, share).max(1);
        self.acc.ledger.lost[LossCause::BufferOverflow as usize] += k - passes;
        if passes == 0 {
            return;
        }
        net.add_busy(g, (passes as f64 * es).round() as Ticks);
        let mut passing = chunk;
        let bad = passing.bad;
        passing.bad = (bad as u128 * passes as u128 / k as u128) as u64;
        passing.count = passes;
        let d = Departure {
            chunk: passing,
            first: now as f64,
            last: now as f64,
            waited: true,
            drained: false,
        };
        self.flow_forward(flow, net, g, d, es);
    }
}
