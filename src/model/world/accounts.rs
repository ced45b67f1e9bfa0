//! Accounting: everything one replication measures, and its reduction to an [`Outcome`].
//!
//! The accounts own the message ledger, the time-weighted downtimes (devices, gateways,
//! uplinks, connectivity, sites), each site's freshness, the completeness series and every
//! counter the report prices or charts (failures, failovers, recoveries, waits, carrier
//! messages, batteries, degradation). They are written to by the other parts of the
//! world as things happen and read once, at the end, by [`Accounts::into_outcome`]. They never
//! decide anything: no draw, no event, no routing depends on what they hold (the one read
//! during a run, a site's count of fleets down, only moves the site's own downtime).

use crate::engine::Ticks;
use crate::scenario::{Deployment, FleetSpec};

use super::super::degradation::DegradationStats;
use super::super::freshness::Freshness;
use super::super::ledger::{ConservationError, Downtime, Ledger, LossCause};
use super::super::mission::FirstFailure;
use super::super::outage_loss::OutageLosses;
use super::super::sketch::DurationSketch;
use super::{CellularStats, CrewStats, LifeStats, Outcome, SERIES_SLICES, Slicer, SoftStats};

/// One gateway's queue in packet mode: the messages it holds (in its buffer, and in service),
/// integrated exactly over time, and the waits of the messages it sent.
#[derive(Clone, Debug, Default)]
pub struct QueueStats {
    /// When the counts last changed.
    since: Ticks,
    queued: u64,
    serving: u64,
    /// ∫ messages waiting dt, in message-ticks (Lq × time).
    pub queue_area: u128,
    /// ∫ messages held dt, waiting or in service (L × time).
    pub system_area: u128,
    /// Each sent message's wait in the buffer or queue, 0 for one sent at once.
    pub waits: DurationSketch,
}

impl QueueStats {
    /// The gateway holds `queued` messages waiting and `serving` in service from `now` on.
    #[inline]
    fn held(&mut self, now: Ticks, queued: u64, serving: u64) {
        // Unchanged counts (every message of a gateway that never queues) add nothing that the
        // next change, or the closing integration, would not add: the areas grow by the same
        // counts over the longer span.
        if queued == self.queued && serving == self.serving {
            return;
        }
        self.integrate(now);
        self.queued = queued;
        self.serving = serving;
    }

    /// Adds the time since the last integration at the counts held since, up to `now`.
    fn integrate(&mut self, now: Ticks) {
        let dt = u128::from(now.saturating_sub(self.since));
        self.queue_area += dt * u128::from(self.queued);
        self.system_area += dt * u128::from(self.queued + self.serving);
        self.since = now;
    }
}

/// A fleet's k-of-n service level: in service while at least `at_least` of its devices are up
/// and its path to the cloud is up (so they are reporting).
#[derive(Clone, Debug)]
struct Quorum {
    at_least: u32,
    /// Devices up and not held down by a common cause: those that can report.
    devices_up: u32,
    path_up: bool,
    out_of_service: Downtime,
    /// The fleet's first device and its number of devices, to index and size `held`.
    first_device: u32,
    devices: u32,
    /// Per device of the fleet, whether a common cause holds it down; empty until one does.
    held: Vec<bool>,
}

impl Quorum {
    fn met(&self) -> bool {
        self.path_up && self.devices_up >= self.at_least
    }

    /// Applies `change` now, and starts or ends a time out of service if it changed that.
    fn change(&mut self, now: Ticks, change: impl FnOnce(&mut Quorum)) {
        let before = self.met();
        change(self);
        match (before, self.met()) {
            (true, false) => self.out_of_service.went_down(now),
            (false, true) => self.out_of_service.came_up(now),
            _ => {}
        }
    }
}

/// What one replication has measured so far.
#[derive(Debug)]
pub(super) struct Accounts {
    /// The scenario's horizon, which the time-series slices divide.
    pub(super) span: Ticks,
    /// How old a reading may be on delivery and still be on time.
    pub(super) deadline: Ticks,
    pub(super) ledger: Ledger,
    /// The same, per fleet (packet mode; flow mode fills only those of fleets on their own
    /// SIMs). Messages held at the horizon reach it at the end of the run, from the
    /// messages themselves ([`Accounts::held_at_horizon`]).
    fleet_ledgers: Vec<Ledger>,
    pub(super) device_down: Downtime,
    pub(super) gateway_down: Downtime,
    pub(super) uplink_down: Downtime,
    pub(super) connectivity_down: Downtime,
    pub(super) carrier_outages: u64,
    pub(super) peak_buffered: u64,
    pub(super) failovers: u64,
    pub(super) failovers_ok: u64,
    pub(super) recoveries: Vec<Ticks>,
    /// Per site: fleets whose path is down, the site's downtime and its freshness.
    site_fleets_down: Vec<u32>,
    site_down: Vec<Downtime>,
    /// Per site: its first failure (its first loss of a fleet's path), for mission metrics.
    site_first_failure: Vec<FirstFailure>,
    /// Per fleet with a k-of-n service level (`at_least_up`): its devices up, path and time
    /// out of service.
    quorums: Vec<Option<Quorum>>,
    pub(super) freshness: Vec<Freshness>,
    pub(super) wait_sum: u128,
    pub(super) waited: u64,
    pub(super) device_failures: u64,
    pub(super) gateway_failures: u64,
    pub(super) fleet_failures: Vec<u64>,
    pub(super) gateway_failures_each: Vec<u64>,
    pub(super) carrier_messages: Vec<u64>,
    pub(super) series: Vec<[u64; 2]>,
    /// Which slice of `series` a message's time falls in.
    slicer: Slicer,
    pub(super) first_failures: Vec<u64>,
    pub(super) life_stats: LifeStats,
    pub(super) degradation: DegradationStats,
    /// Per gateway (packet mode; empty in flow mode, which keeps no single message).
    queues: Vec<QueueStats>,
    /// Every delivered message's end-to-end delay (packet mode).
    delays: DurationSketch,
    /// Each gateway buffer's losses per connectivity outage (packet mode).
    outage_losses: Option<OutageLosses>,
    /// The ledger at the warm-up's end, if there was one: the measured window starts there
    /// ([`Ledger::window`]).
    ledger_at_warmup: Option<Ledger>,
    /// The same, per fleet (empty without a warm-up).
    fleet_ledgers_at_warmup: Vec<Ledger>,
    /// Where measures start: the warm-up's end, or 0.
    measured_from: Ticks,
}

/// What the other parts of the world hand over at the end: the accounts they keep themselves
/// because they are read during the run.
pub(super) struct Closing {
    pub(super) horizon: Ticks,
    pub(super) end_of_life: Option<Ticks>,
    pub(super) events: u64,
    pub(super) devices: u64,
    pub(super) gateways: u64,
    pub(super) gateway_connectivity: Vec<f64>,
    pub(super) gateway_busy: Vec<Ticks>,
    pub(super) crews: Vec<CrewStats>,
    pub(super) soft: SoftStats,
    pub(super) cellular: CellularStats,
}

impl Accounts {
    /// Empty accounts for a run of `dep` closing at `horizon`.
    pub(super) fn new(dep: &Deployment, horizon: Ticks) -> Accounts {
        let sites = dep.sites.len();
        Accounts {
            span: dep.horizon,
            deadline: dep.deadline,
            ledger: Ledger::default(),
            fleet_ledgers: vec![Ledger::default(); dep.fleets.len()],
            device_down: Downtime::measured(dep.warmup, horizon),
            gateway_down: Downtime::measured(dep.warmup, horizon),
            uplink_down: Downtime::measured(dep.warmup, horizon),
            connectivity_down: Downtime::measured(dep.warmup, horizon),
            carrier_outages: 0,
            peak_buffered: 0,
            failovers: 0,
            failovers_ok: 0,
            recoveries: vec![],
            site_fleets_down: vec![0; sites],
            site_down: vec![Downtime::measured(dep.warmup, horizon); sites],
            site_first_failure: vec![FirstFailure::default(); sites],
            quorums: dep
                .fleets
                .iter()
                .scan(0u32, |first, f| {
                    let first_device = *first;
                    *first += f.count;
                    Some(f.at_least_up.map(|k| Quorum {
                        at_least: k,
                        devices_up: f.count,
                        path_up: true,
                        out_of_service: Downtime::measured(dep.warmup, horizon),
                        first_device,
                        devices: f.count,
                        held: vec![],
                    }))
                })
                .collect(),
            freshness: vec![Freshness::new(dep.deadline); sites],
            wait_sum: 0,
            waited: 0,
            device_failures: 0,
            gateway_failures: 0,
            fleet_failures: vec![0; dep.fleets.len()],
            gateway_failures_each: vec![0; dep.gateways.len()],
            carrier_messages: vec![0; dep.carriers.len()],
            series: vec![[0, 0]; SERIES_SLICES],
            slicer: Slicer::new(dep.horizon),
            first_failures: vec![0; SERIES_SLICES],
            life_stats: LifeStats {
                fleet_battery_swaps: vec![0; dep.fleets.len()],
                fleet_replacements: vec![0; dep.fleets.len()],
                first_depletions: vec![0; SERIES_SLICES],
                ..LifeStats::default()
            },
            degradation: DegradationStats::measured(dep.warmup, horizon),
            queues: vec![QueueStats::default(); dep.gateways.len()],
            delays: DurationSketch::default(),
            outage_losses: Some(OutageLosses::new(
                dep.gateways.iter().map(|g| g.buffer_messages > 0).collect(),
            )),
            ledger_at_warmup: None,
            fleet_ledgers_at_warmup: vec![],
            measured_from: 0,
        }
    }

    /// The warm-up ends `now`: every count restarts from zero and every time integral from
    /// now. The ledgers go on whole (conservation is checked over the whole run) and the
    /// outcome reports the window from now (`Ledger::window`: the messages in the system now
    /// are the window's to deliver or lose). Downtimes (degraded time too) were built measuring
    /// from the warm-up's end; each site's staleness restarts here. The series the charts draw
    /// over time (completeness, first failures and first depletions for survival curves) go
    /// on over the whole run: the charts mark the warm-up (docs/model.md, "Warm-up").
    pub(super) fn warm_up(&mut self, now: Ticks) {
        self.ledger_at_warmup = Some(self.ledger.clone());
        self.fleet_ledgers_at_warmup = self.fleet_ledgers.clone();
        self.measured_from = now;
        for f in &mut self.site_first_failure {
            f.restart(now);
        }
        for f in &mut self.freshness {
            f.restart(now);
        }
        self.life_stats.restart();
        self.degradation.restart();
        self.carrier_outages = 0;
        self.peak_buffered = 0;
        self.failovers = 0;
        self.failovers_ok = 0;
        self.recoveries.clear();
        self.wait_sum = 0;
        self.waited = 0;
        self.device_failures = 0;
        self.gateway_failures = 0;
        self.fleet_failures.fill(0);
        self.gateway_failures_each.fill(0);
        self.carrier_messages.fill(0);
        for q in &mut self.queues {
            *q = QueueStats {
                since: now,
                queued: q.queued,
                serving: q.serving,
                ..QueueStats::default()
            };
        }
        self.delays = DurationSketch::default();
        if let Some(o) = &mut self.outage_losses {
            o.restart();
        }
    }

    /// Flow mode accounts messages in aggregate: no queue or delay of a single message.
    pub(super) fn without_message_statistics(&mut self) {
        self.queues = vec![];
        self.outage_losses = None;
    }

    /// Gateway `g`'s buffer is in an outage from now (`true`: the gateway, up, cannot forward)
    /// or out of it (`false`).
    pub(super) fn gateway_outage(&mut self, g: usize, begins: bool) {
        if let Some(o) = &mut self.outage_losses {
            if begins {
                o.began(g);
            } else {
                o.ended(g);
            }
        }
    }

    /// Gateway `g`'s buffer lost a message to overflow.
    #[inline]
    pub(super) fn buffer_overflowed(&mut self, g: usize) {
        if let Some(o) = &mut self.outage_losses {
            o.overflowed(g);
        }
    }

    /// Gateway `g` holds `queued` messages waiting and `serving` in service from `now` on.
    #[inline]
    pub(super) fn gateway_held(&mut self, now: Ticks, g: usize, queued: u64, serving: u64) {
        if let Some(q) = self.queues.get_mut(g) {
            q.held(now, queued, serving);
        }
    }

    /// Gateway `g` sent a message the moment it arrived, without waiting.
    #[inline]
    pub(super) fn sent_at_once(&mut self, g: usize) {
        if let Some(q) = self.queues.get_mut(g) {
            q.waits.record(0);
        }
    }

    /// A message is generated now.
    #[inline(always)]
    pub(super) fn generated(&mut self, now: Ticks, fleet: usize) {
        self.ledger.generated += 1;
        self.fleet_ledgers[fleet].generated += 1;
        self.series[self.slicer.of(now)][0] += 1;
    }

    /// Fleet `f`'s own ledger (flow mode adds a cellular fleet's settled counts to it).
    pub(super) fn fleet_ledger(&mut self, f: usize) -> &mut Ledger {
        &mut self.fleet_ledgers[f]
    }

    /// A message is lost.
    #[inline(always)]
    pub(super) fn lost(&mut self, cause: LossCause, fleet: usize) {
        self.ledger.lose(cause);
        self.fleet_ledgers[fleet].lose(cause);
    }

    /// A message of `fleet` leaves its last gateway (or its device, on its own SIM) and
    /// reaches the cloud at or after the horizon: it is in flight then.
    #[cold]
    pub(super) fn in_flight_at_horizon(&mut self, fleet: usize) {
        self.ledger.in_flight_at_horizon += 1;
        self.fleet_ledgers[fleet].in_flight_at_horizon += 1;
    }

    /// A message of `fleet` is still held at the horizon: kept in a gateway or on a device
    /// (`buffered`), or on an access link. Only the fleet's ledger: the deployment's counts
    /// the held messages from each part's count of them, and
    /// [`Accounts::check_conservation`] checks that the two agree.
    pub(super) fn held_at_horizon(&mut self, fleet: usize, buffered: bool) {
        let l = &mut self.fleet_ledgers[fleet];
        if buffered {
            l.buffered_at_horizon += 1;
        } else {
            l.in_flight_at_horizon += 1;
        }
    }

    /// Checks, at the end of the run, that every message is in exactly one bucket of the
    /// deployment's ledger and, in packet mode (`per_fleet`), of its fleet's (`fleets` names
    /// them), the fleets' ledgers adding up to the deployment's bucket by bucket.
    pub(super) fn check_conservation(
        &self,
        fleets: &[FleetSpec],
        per_fleet: bool,
    ) -> Result<(), ConservationError> {
        if !per_fleet {
            return self.ledger.check_conservation("the deployment's ledger");
        }
        let named = fleets.iter().map(|f| f.id.as_str());
        self.ledger.check_fleets(named.zip(&self.fleet_ledgers))
    }

    /// A message created at `created`, from a device of `fleet` at `site`, leaves the last gateway `now`
    /// and reaches the cloud at `arrival`, before the horizon; `bad` if its reading was out of
    /// accuracy. Returns its delay and whether it was on time.
    #[inline(always)]
    pub(super) fn delivered(
        &mut self,
        now: Ticks,
        created: Ticks,
        arrival: Ticks,
        (site, fleet): (usize, usize),
        bad: bool,
    ) -> (Ticks, bool) {
        let delay = arrival - created;
        self.ledger.deliver(delay, self.deadline);
        self.fleet_ledgers[fleet].deliver(delay, self.deadline);
        self.ledger.delivered_bad += bad as u64;
        self.delays.record(delay);
        let on_time = delay <= self.deadline;
        if on_time {
            self.series[self.slicer.of(created)][1] += 1;
        }
        self.freshness[site].delivered(now, created, arrival, self.deadline);
        (delay, on_time)
    }

    /// A message leaves gateway `g`'s buffer or queue after waiting `wait` ticks there.
    #[inline]
    pub(super) fn waited(&mut self, g: usize, wait: Ticks) {
        self.wait_sum += wait as u128;
        self.waited += 1;
        if let Some(q) = self.queues.get_mut(g) {
            q.waits.record(wait);
        }
    }

    /// Device `d` of fleet `fleet` went down (`up == false`) or came up now: its k-of-n
    /// service level, if it has one, may change (not while a common cause holds it down: it
    /// cannot report either way).
    pub(super) fn fleet_device_changed(&mut self, now: Ticks, fleet: usize, d: u32, up: bool) {
        if let Some(q) = &mut self.quorums[fleet] {
            let i = (d - q.first_device) as usize;
            if q.held.get(i).copied().unwrap_or(false) {
                return;
            }
            q.change(now, |q| {
                if up {
                    q.devices_up += 1;
                } else {
                    q.devices_up -= 1;
                }
            });
        }
    }

    /// A common cause took device `d` of fleet `fleet` down (`held`) or let it go now; `up`
    /// is whether the device itself works. A working device's k-of-n count changes.
    pub(super) fn fleet_device_held(
        &mut self,
        now: Ticks,
        fleet: usize,
        d: u32,
        up: bool,
        held: bool,
    ) {
        let Some(q) = &mut self.quorums[fleet] else {
            return;
        };
        let i = (d - q.first_device) as usize;
        if q.held.is_empty() {
            q.held = vec![false; q.devices as usize];
        }
        q.held[i] = held;
        if up {
            q.change(now, |q| {
                if held {
                    q.devices_up -= 1;
                } else {
                    q.devices_up += 1;
                }
            });
        }
    }

    /// Fleet `fleet`'s path to the cloud went down or came back now: its k-of-n service level,
    /// if it has one, may change.
    pub(super) fn fleet_path_changed(&mut self, now: Ticks, fleet: usize, up: bool) {
        if let Some(q) = &mut self.quorums[fleet] {
            q.change(now, |q| q.path_up = up);
        }
    }

    /// A fleet at `site` lost (`up == false`) or regained its path to the cloud now; `since`
    /// is when it lost it (for a regained path).
    pub(super) fn fleet_path(&mut self, now: Ticks, site: usize, up: bool, since: Ticks) {
        if up {
            // A switch that takes no time is no interruption.
            if now > since {
                self.recoveries.push(now - since);
            }
            self.site_fleets_down[site] -= 1;
            if self.site_fleets_down[site] == 0 {
                self.site_down[site].came_up(now);
                self.site_first_failure[site].came_up(now);
            }
        } else {
            if self.site_fleets_down[site] == 0 {
                self.site_down[site].went_down(now);
                self.site_first_failure[site].went_down(now);
            }
            self.site_fleets_down[site] += 1;
        }
    }

    /// The replication's [`Outcome`]: these accounts, closed at `end.horizon`, with what the
    /// other parts kept.
    pub(super) fn into_outcome(mut self, end: Closing) -> Outcome {
        let horizon = end.horizon;
        // Devices on their own SIMs recover one by one: each device's interruption is one.
        let mut recoveries = self.recoveries;
        recoveries.extend(end.cellular.recoveries.iter().flatten());
        for q in &mut self.queues {
            q.integrate(horizon);
        }
        Outcome {
            horizon,
            end_of_life: end.end_of_life,
            device_availability: self.device_down.availability(end.devices),
            gateway_availability: per_gateway(&self.gateway_down, end.gateways),
            uplink_availability: per_gateway(&self.uplink_down, end.gateways),
            connectivity_availability: per_gateway(&self.connectivity_down, end.gateways),
            carrier_outages: self.carrier_outages,
            peak_buffered: self.peak_buffered,
            events: end.events,
            failovers: self.failovers,
            failovers_ok: self.failovers_ok,
            recoveries,
            site_availability: self.site_down.iter().map(|d| d.availability(1)).collect(),
            site_first_failure: self
                .site_first_failure
                .iter()
                .map(|f| f.close(horizon))
                .collect(),
            k_of_n_availability: self
                .quorums
                .iter()
                .flatten()
                .map(|q| q.out_of_service.availability(1))
                .collect(),
            site_stale: self
                .freshness
                .into_iter()
                .map(|f| f.stale_until(horizon))
                .collect(),
            gateway_connectivity: end.gateway_connectivity,
            gateway_busy: end.gateway_busy,
            wait_sum: self.wait_sum,
            waited: self.waited,
            device_failures: self.device_failures,
            gateway_failures: self.gateway_failures,
            fleet_failures: self.fleet_failures,
            gateway_failures_each: self.gateway_failures_each,
            carrier_messages: self.carrier_messages,
            series: self.series,
            life: self.life_stats,
            soft: end.soft,
            first_failures: self.first_failures,
            degradation: self.degradation,
            crews: end.crews,
            cellular: end.cellular,
            fleet_ledgers: if self.fleet_ledgers_at_warmup.is_empty() {
                self.fleet_ledgers
            } else {
                self.fleet_ledgers
                    .iter()
                    .zip(&self.fleet_ledgers_at_warmup)
                    .map(|(l, start)| l.window(start))
                    .collect()
            },
            queues: self.queues,
            delays: self.delays,
            outage_losses: self.outage_losses.map(|o| o.finished),
            measured_from: self.measured_from,
            ledger: match &self.ledger_at_warmup {
                Some(start) => self.ledger.window(start),
                None => self.ledger,
            },
        }
    }
}

/// A gateway-time share, undefined (NaN) in a deployment without gateways: devices on their
/// own SIMs have no gateway whose availability could be 100%, and a comparison with a gateway
/// design must not credit them one.
fn per_gateway(down: &Downtime, gateways: u64) -> f64 {
    if gateways == 0 {
        f64::NAN
    } else {
        down.availability(gateways)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Telling the queue its unchanged counts again and again (every message a gateway sends
    /// at once) leaves the integrals exactly as one call at each change would.
    #[test]
    fn repeated_unchanged_counts_leave_the_queue_integrals_exact() {
        let changes = [(10, 2, 1), (25, 0, 1), (40, 3, 0), (70, 3, 2), (90, 0, 0)];
        let mut once = QueueStats::default();
        let mut often = QueueStats::default();
        let (mut queued, mut serving) = (0, 0);
        let mut t = 0;
        for &(at, q, s) in &changes {
            while t < at {
                often.held(t, queued, serving);
                t += 3;
            }
            once.held(at, q, s);
            often.held(at, q, s);
            (queued, serving) = (q, s);
        }
        for _ in 0..5 {
            often.held(95, 0, 0);
        }
        once.integrate(100);
        often.integrate(100);
        // By hand: 2·15 + 3·30 + 3·20 = 180 waiting, 3·15 + 1·15 + 3·30 + 5·20 = 250 held.
        assert_eq!((once.queue_area, once.system_area), (180, 250));
        assert_eq!((often.queue_area, often.system_area), (180, 250));
    }
}
