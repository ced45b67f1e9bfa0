//! Fleets on their own SIMs in flow mode (`Fleet(connectivity: Cellular(...))`): each
//! device's failover stays the packet-mode state machine of `world::cellular` (detection,
//! switches, switch-back, moves, attach channels: events, on the same streams), and the
//! readings between two changes are settled per *cohort*.
//!
//! A cohort is the devices of one fleet that meet the same thing when they send: registered
//! on working carrier `c` (one cohort per carrier), on a dead carrier they have not noticed
//! yet, knowingly without service, or out of coverage (`world::cellular::Status`). The part
//! keeps each cohort's device count and its device-time since the fleet was last settled, so
//! settling an interval costs a few draws per cohort, never a pass over the devices. A reading
//! due in an interval meets a cohort with the share of device-time spent in it (the device's
//! life state, settled by `settle_fleet` first, is independent of its connectivity), then:
//!
//! - on carrier `c`: billed as data on `c`, crosses the fleet's link (binomial loss), and is
//!   delivered after the link's latency (table of 1,024 draws), late or in flight at the
//!   horizon as a gateway's forwarded piece is;
//! - on an unnoticed dead carrier: lost (`undetected_outage`);
//! - without service or coverage: lost (`no_service`, `no_coverage`), or with device buffers
//!   (`buffer_messages: B`) added to the fleet's *blind pool*.
//!
//! **Device buffers.** Each device's share of the blind pool follows from a running index,
//! the readings offered per blind device since the start (a fleet with buffers is settled
//! before every change of its cohorts, so the blind count is constant over each interval and
//! the index grows by the interval's blind readings over that count). A device leaving the
//! blind cohorts takes the index's growth since it entered, rounded with one uniform draw (the
//! last blind device takes what is left, so the pool is exactly empty when no device is
//! blind), keeps the first B and loses the rest to `buffer_overflow` (packet mode drops the
//! newest); once it has service on a carrier it sends what it kept there, created over the
//! span it was kept from, delivered late by the time it waited. What devices keep at the
//! horizon counts as `buffered_at_horizon`. Only device buffers need the per-device bytes of
//! [`DEVICE_BYTES`]; every cellular device has its 2-byte cohort.

use rand::RngExt;

use crate::engine::{StreamKey, Ticks};
use crate::model::fluid::{self, Chunk, LatencyTable};
use crate::model::ledger::{Ledger, LossCause};
use crate::scenario::Deployment;

use super::super::cellular::Status;
use super::super::network::Network;
use super::super::process;
use super::gateways::keep_fresh;
use super::{Departure, Flow, FlowCx, spread};

/// Flow mode's memory a device on its own SIM adds besides `world::cellular`'s: its cohort.
pub const COHORT_BYTES: u64 = std::mem::size_of::<u16>() as u64;

/// ... and, in a fleet with device buffers, what it keeps (`Holding`).
pub const DEVICE_BYTES: u64 = std::mem::size_of::<Holding>() as u64;

/// What one device of a fleet with buffers holds, in aggregate.
#[derive(Clone, Copy, Debug, Default)]
struct Holding {
    /// The fleet's blind index when the device last became blind.
    index_at: f64,
    /// The creation span of what it keeps.
    since: Ticks,
    until: Ticks,
    /// Readings kept (at most the buffer).
    kept: u32,
}

/// One cellular fleet's cohorts.
pub(super) struct CellFlow {
    fleet: usize,
    first_device: u32,
    /// Carriers in the deployment: cohorts `0..carriers` are "on carrier c".
    carriers: usize,
    /// Per cohort: devices in it now, and device-time in it since the last settle.
    counts: Vec<u64>,
    areas: Vec<u128>,
    last_change: Ticks,
    /// Settled up to.
    pub(super) settled: Ticks,
    site: usize,
    /// Per device: its cohort.
    cohort: Vec<u16>,
    /// Device buffers (0: none), the blind pool and its index, and per device what it holds.
    buffer: u64,
    pool: u64,
    index: f64,
    holding: Vec<Holding>,
    /// The fleet link's delay law (the radio hop and the carrier's core).
    latency: LatencyTable,
    /// Messages its devices have sent over the link, and its device count: where a device is,
    /// on average, in its bursty link's start from the good state.
    crossed: u64,
    devices: f64,
}

/// The cellular fleets of a deployment, in flow mode.
#[derive(Default)]
pub(super) struct Cells {
    /// Per fleet: its index in `fleets`, or `u32::MAX`.
    of_fleet: Vec<u32>,
    pub(super) fleets: Vec<CellFlow>,
    /// Per site: the cellular fleets there (its freshness waits for them too).
    pub(super) at_site: Vec<Vec<u32>>,
}

impl CellFlow {
    /// The fleet's index in the deployment.
    pub(super) fn fleet(&self) -> usize {
        self.fleet
    }
    fn unnoticed(&self) -> usize {
        self.carriers
    }
    fn no_service(&self) -> usize {
        self.carriers + 1
    }
    fn no_coverage(&self) -> usize {
        self.carriers + 2
    }
    fn blind(&self, k: usize) -> bool {
        k > self.unnoticed()
    }
    fn cohort_of(&self, status: Status) -> usize {
        match status {
            Status::Service(c) => c,
            Status::Unnoticed => self.unnoticed(),
            Status::NoService => self.no_service(),
            Status::NoCoverage => self.no_coverage(),
        }
    }

    /// Integrates each cohort's device-time up to `now`.
    fn integrate(&mut self, now: Ticks) {
        let dt = now.saturating_sub(self.last_change) as u128;
        for (a, &n) in self.areas.iter_mut().zip(&self.counts) {
            *a += n as u128 * dt;
        }
        self.last_change = self.last_change.max(now);
    }

    fn blind_count(&self) -> u64 {
        self.counts[self.no_service()] + self.counts[self.no_coverage()]
    }
}

impl Cells {
    pub(super) fn new(dep: &Deployment, key: &impl Fn(u64, u64) -> StreamKey) -> Cells {
        let mut cells = Cells {
            of_fleet: vec![u32::MAX; dep.fleets.len()],
            fleets: vec![],
            at_site: vec![vec![]; dep.sites.len()],
        };
        let carriers = dep.carriers.len();
        let mut first_device = 0u32;
        for (f, spec) in dep.fleets.iter().enumerate() {
            if spec.cellular.is_some() {
                let buffered = spec.buffer_messages > 0;
                cells.of_fleet[f] = cells.fleets.len() as u32;
                cells.at_site[spec.site].push(f as u32);
                cells.fleets.push(CellFlow {
                    fleet: f,
                    first_device,
                    carriers,
                    counts: vec![0; carriers + 3],
                    areas: vec![0; carriers + 3],
                    last_change: 0,
                    settled: 0,
                    site: spec.site,
                    cohort: vec![0; spec.count as usize],
                    buffer: spec.buffer_messages,
                    pool: 0,
                    index: 0.0,
                    holding: if buffered {
                        vec![Holding::default(); spec.count as usize]
                    } else {
                        vec![]
                    },
                    crossed: 0,
                    devices: spec.count.max(1) as f64,
                    latency: LatencyTable::new(
                        &[&spec.link.latency],
                        key(spec.key, process::FLOW | 3 << 32),
                    ),
                });
            }
            first_device += spec.count;
        }
        cells
    }

    pub(super) fn is_cellular(&self, f: usize) -> bool {
        self.of_fleet.get(f).is_some_and(|&k| k != u32::MAX)
    }

    pub(super) fn get(&self, f: usize) -> &CellFlow {
        &self.fleets[self.of_fleet[f] as usize]
    }

    fn get_mut(&mut self, f: usize) -> &mut CellFlow {
        &mut self.fleets[self.of_fleet[f] as usize]
    }
}

/// Adds what the ledger gained since `before` to fleet `f`'s own ledger.
fn absorb(cx: &mut FlowCx<'_>, f: usize, before: &Ledger) {
    let delta = cx.acc.ledger.since(before);
    cx.acc.fleet_ledger(f).add(&delta);
}

impl Flow {
    /// Puts every cellular device in its cohort at the start (after the devices of fleets
    /// with regions were placed).
    pub(in crate::model::world) fn cellular_begin(&mut self, cx: &mut FlowCx<'_>) {
        for cf in &mut self.cells.fleets {
            cf.counts.iter_mut().for_each(|n| *n = 0);
            for i in 0..cf.cohort.len() {
                let d = cf.first_device + i as u32;
                let k = cf.cohort_of(cx.cellular.status(cf.fleet, d));
                cf.cohort[i] = k as u16;
                cf.counts[k] += 1;
            }
        }
        cx.cellular.watch();
    }

    /// Before an event: a device's own timer or its fleet's platform timer changes only that
    /// fleet's cohorts (settled first if it has device buffers, else its device-time is
    /// integrated); any other state change may move carriers or links, so every cellular
    /// fleet is settled. Life events (failures, repairs, certificates, firmware) move no
    /// cohort.
    pub(super) fn cellular_before(
        &mut self,
        cx: &mut FlowCx<'_>,
        net: &Network,
        only: Option<usize>,
        now: Ticks,
    ) {
        self.now = now;
        let all = 0..self.cells.fleets.len();
        let fleets: Vec<usize> = match only {
            Some(f) => vec![f],
            None => all.map(|k| self.cells.fleets[k].fleet).collect(),
        };
        for f in fleets {
            let cf = self.cells.get_mut(f);
            if only.is_some() && cf.buffer == 0 {
                cf.integrate(now);
            } else {
                self.settle_cellular(cx, net, f, now);
            }
        }
    }

    /// Settles cellular fleet `f` up to `now`: its readings (through `settle_fleet`, which
    /// hands them to [`Flow::cellular_readings`] past the life states) and its site's freshness.
    pub(super) fn settle_cellular(
        &mut self,
        cx: &mut FlowCx<'_>,
        net: &Network,
        f: usize,
        now: Ticks,
    ) {
        let cf = self.cells.get_mut(f);
        let t0 = cf.settled;
        if now <= t0 {
            return;
        }
        cf.integrate(now);
        cf.settled = now;
        let site = cf.site;
        let before = cx.acc.ledger.clone();
        self.settle_fleet(cx, net, f, t0, now, now - t0);
        // (No readings in the interval leaves the areas to be cleared here.)
        self.cells.get_mut(f).areas.iter_mut().for_each(|a| *a = 0);
        absorb(cx, f, &before);
        let floor = self.site_floor(site, now);
        cx.acc.freshness[site].settle(floor);
    }

    /// The `good` and `bad` readings fleet `f`'s up devices made over [t0, t1), split over
    /// its cohorts by their device-time.
    pub(super) fn cellular_readings(
        &mut self,
        cx: &mut FlowCx<'_>,
        f: usize,
        good: u64,
        bad: u64,
        t0: Ticks,
        t1: Ticks,
    ) {
        let n = good + bad;
        let k = self.cells.of_fleet[f] as usize;
        let cf = &mut self.cells.fleets[k];
        let total: u128 = cf.areas.iter().sum();
        if n == 0 || total == 0 {
            cf.areas.iter_mut().for_each(|a| *a = 0);
            return;
        }
        let periodic = self.fleets[f].homes[0].is_periodic();
        let rng = &mut self.fleets[f].rng;
        // Systematic split for periodic reports (each device reports every period, so a
        // cohort's readings are its device-time over the period to within one), a
        // multinomial one (binomials on what is left) for Poisson reports.
        let mut split = vec![0u64; cf.areas.len()];
        if periodic {
            let u: f64 = rng.random();
            let (mut cum, mut before) = (0u128, 0u64);
            for (s, &a) in split.iter_mut().zip(&cf.areas) {
                cum += a;
                let upto = ((n as f64 * (cum as f64 / total as f64) + u).floor() as u64).min(n);
                *s = upto.saturating_sub(before);
                before = before.max(upto);
            }
            // Rounding leaves at most one reading: it goes to the largest cohort.
            if before < n {
                let big = (0..split.len()).max_by_key(|&i| cf.areas[i]).unwrap_or(0);
                split[big] += n - before;
            }
        } else {
            let (mut left, mut area_left) = (n, total);
            for (s, &a) in split.iter_mut().zip(&cf.areas) {
                if a == 0 || left == 0 {
                    continue;
                }
                let p = (a as f64 / area_left as f64).min(1.0);
                *s = fluid::binomial(rng, left, p);
                left -= *s;
                area_left -= a;
            }
        }
        let blind_area = cf.areas[cf.no_service()] + cf.areas[cf.no_coverage()];
        let span = (t1 - t0) as f64;
        cf.areas.iter_mut().for_each(|a| *a = 0);
        let (unnoticed, no_service, no_coverage) =
            (cf.unnoticed(), cf.no_service(), cf.no_coverage());
        let buffered = cf.buffer > 0;
        let mut bad_left = bad;
        let mut all_left = n;
        for (cohort, &m) in split.iter().enumerate() {
            if m == 0 {
                continue;
            }
            // The out-of-accuracy readings spread over cohorts without replacement.
            let bad_here = if bad_left == 0 {
                0
            } else if m == all_left {
                bad_left
            } else {
                let p = bad_left as f64 / all_left as f64;
                fluid::binomial(&mut self.fleets[f].rng, m, p).min(bad_left)
            };
            bad_left -= bad_here;
            all_left -= m;
            let lost =
                |cause: LossCause, cx: &mut FlowCx<'_>| cx.acc.ledger.lost[cause as usize] += m;
            match cohort {
                c if c < unnoticed => {
                    let chunk = Chunk {
                        fleet: f as u32,
                        count: m,
                        first: t0,
                        last: t1 - 1,
                        bad: bad_here,
                        reached: 0,
                    };
                    self.send_on_carrier(cx, f, c, chunk, t0 as f64, (t1 - 1) as f64);
                }
                c if c == unnoticed => lost(LossCause::UndetectedOutage, cx),
                c if buffered && (c == no_service || c == no_coverage) => {
                    let cf = &mut self.cells.fleets[k];
                    cf.pool += m;
                    if blind_area > 0 {
                        cf.index += m as f64 * span / blind_area as f64;
                    }
                }
                c if c == no_service => lost(LossCause::NoService, cx),
                _ => lost(LossCause::NoCoverage, cx),
            }
        }
    }

    /// `chunk`'s readings leave their devices over carrier `c` between `leave0` and `leave1`:
    /// billed on `c`, lost on the fleet's link, delivered after its latency (on time, late,
    /// or in flight at the horizon).
    fn send_on_carrier(
        &mut self,
        cx: &mut FlowCx<'_>,
        f: usize,
        c: usize,
        chunk: Chunk,
        leave0: f64,
        leave1: f64,
    ) {
        let k = chunk.count;
        cx.cellular.add_sent(f, c, k);
        let cf = self.cells.get_mut(f);
        let k0 = cf.crossed as f64 / cf.devices;
        cf.crossed += k;
        let k1 = cf.crossed as f64 / cf.devices;
        let rng = &mut self.fleets[f].rng;
        let survived = cx.fleets[f].access.survivors_from(rng, k, Some((k0, k1)));
        cx.acc.ledger.lost[LossCause::LinkLoss as usize] += k - survived;
        if survived == 0 {
            return;
        }
        let cf = self.cells.get(f);
        let table = &cf.latency;
        let horizon = cx.horizon as f64;
        let deadline = cx.acc.deadline as f64;
        let in_flight = if leave1 + table.max() as f64 >= horizon {
            let until = horizon - leave1;
            let span = leave1 - leave0;
            let p = if span >= 1.0 {
                (table.mean_excess(until) / span).min(1.0)
            } else {
                table.exceeds(until - 1.0)
            };
            fluid::binomial(rng, survived, p)
        } else {
            0
        };
        cx.acc.ledger.in_flight_at_horizon += in_flight;
        let delivered = survived - in_flight;
        let (wait_first, wait_last) = (leave0 - chunk.first as f64, leave1 - chunk.last as f64);
        let late = fluid::binomial(
            rng,
            delivered,
            table.late_share(wait_first, wait_last, deadline),
        );
        let on_time = delivered - late;
        if chunk.bad > 0 {
            let share = chunk.bad as f64 / k as f64;
            cx.acc.ledger.delivered_bad += fluid::binomial(rng, delivered, share);
        }
        cx.acc.ledger.delivered_on_time += on_time;
        cx.acc.ledger.delivered_late += late;
        let delay = ((wait_first + wait_last) / 2.0).max(0.0) + table.mean;
        cx.acc.ledger.delay_sum += (delay * delivered as f64).round() as u128;
        spread(
            &mut cx.acc.series,
            1,
            chunk.first,
            chunk.last + 1,
            on_time,
            cx.acc.span,
        );
        let departure = Departure {
            chunk,
            first: leave0,
            last: leave1,
            waited: false,
            drained: false,
        };
        keep_fresh(cx, cf.site, &departure, on_time, table.mean);
    }

    /// After an event: the devices whose connectivity it touched move between cohorts; a
    /// device leaving the blind cohorts takes its share of the blind pool, and one with
    /// service sends what it kept.
    pub(super) fn cellular_after(&mut self, cx: &mut FlowCx<'_>) {
        let touched = cx.cellular.take_touched();
        let now = self.now;
        for &d in &touched {
            let f = cx.devices[d as usize].fleet as usize;
            let cf = self.cells.get_mut(f);
            let i = (d - cf.first_device) as usize;
            let old = cf.cohort[i] as usize;
            let new = cf.cohort_of(cx.cellular.status(f, d));
            if new == old {
                continue;
            }
            cf.integrate(now);
            cf.counts[old] -= 1;
            cf.counts[new] += 1;
            cf.cohort[i] = new as u16;
            if cf.buffer > 0 {
                let before = cx.acc.ledger.clone();
                self.device_moved(cx, f, i, old, new, now);
                absorb(cx, f, &before);
            }
        }
        cx.cellular.give_back_touched(touched);
    }

    /// Device `i` of buffered cellular fleet `f` moved from cohort `old` to `new` at `now`.
    fn device_moved(
        &mut self,
        cx: &mut FlowCx<'_>,
        f: usize,
        i: usize,
        old: usize,
        new: usize,
        now: Ticks,
    ) {
        let cf = self.cells.get_mut(f);
        let (was, is) = (cf.blind(old), cf.blind(new));
        if !was && is {
            let index = cf.index;
            let h = &mut cf.holding[i];
            h.index_at = index;
            if h.kept == 0 {
                h.since = now;
            }
            return;
        }
        if was && !is {
            self.take_share(cx, f, i, now);
        }
        let cf = self.cells.get_mut(f);
        if new < cf.carriers && cf.holding[i].kept > 0 {
            let h = std::mem::take(&mut cf.holding[i]);
            let chunk = Chunk {
                fleet: f as u32,
                count: h.kept as u64,
                first: h.since,
                last: h.until.max(h.since),
                bad: 0,
                reached: now,
            };
            let at = now as f64;
            self.send_on_carrier(cx, f, new, chunk, at, at);
        }
    }

    /// Device `i` stops being blind at `now` (or the run ends): it takes its share of the
    /// blind pool, keeps what fits in its buffer and loses the rest.
    fn take_share(&mut self, cx: &mut FlowCx<'_>, f: usize, i: usize, now: Ticks) {
        let u: f64 = self.fleets[f].rng.random();
        let cf = self.cells.get_mut(f);
        let h = cf.holding[i];
        let last_blind = cf.blind_count() == 0;
        let share = if last_blind {
            cf.pool
        } else {
            (((cf.index - h.index_at).max(0.0) + u).floor() as u64).min(cf.pool)
        };
        cf.pool -= share;
        let total = h.kept as u64 + share;
        let kept = total.min(cf.buffer);
        cx.acc.ledger.lost[LossCause::BufferOverflow as usize] += total - kept;
        let h = &mut cf.holding[i];
        if total > 0 {
            // Packet mode keeps the oldest readings: what is kept was created over the first
            // part of the span it was blind.
            let span = now.saturating_sub(h.since) as f64;
            h.until = h.since + (span * kept as f64 / total as f64) as Ticks;
        }
        h.kept = kept as u32;
    }

    /// At the horizon (after every fleet is settled to it): devices still blind take their
    /// share of the pool; what every device keeps is buffered at the horizon.
    pub(super) fn cellular_finish(&mut self, cx: &mut FlowCx<'_>) {
        let horizon = cx.horizon;
        for k in 0..self.cells.fleets.len() {
            let f = self.cells.fleets[k].fleet;
            if self.cells.fleets[k].buffer == 0 {
                continue;
            }
            let before = cx.acc.ledger.clone();
            for i in 0..self.cells.fleets[k].cohort.len() {
                let cf = &mut self.cells.fleets[k];
                let c = cf.cohort[i] as usize;
                if cf.blind(c) {
                    // Leaves the blind count so that the last one takes what is left.
                    cf.counts[c] -= 1;
                    self.take_share(cx, f, i, horizon);
                }
            }
            let cf = &self.cells.fleets[k];
            let kept: u64 = cf.holding.iter().map(|h| h.kept as u64).sum();
            cx.acc.ledger.buffered_at_horizon += kept;
            absorb(cx, f, &before);
        }
    }

    /// The time up to which site `site`'s freshness is final: the earliest settled time of
    /// its components and of its cellular fleets.
    pub(super) fn site_floor(&self, site: usize, now: Ticks) -> Ticks {
        let comps = self.site_comps[site]
            .iter()
            .map(|&k| self.comps[k as usize].settled);
        let cells = self.cells.at_site[site]
            .iter()
            .map(|&f| self.cells.get(f as usize).settled);
        comps.chain(cells).min().unwrap_or(now)
    }
}
