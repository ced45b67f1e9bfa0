//! Repair crews and spare parts: failed units at a crew's sites queue for its technicians.
//!
//! A failure at a crew's site raises a *job* instead of scheduling the unit's repair. The job
//! carries the unit's hands-on repair time, drawn from the unit's own lifecycle stream exactly
//! where an unlimited repair would have drawn it, so a unit's lifetimes and repair times are
//! the same draws with or without a crew (common random numbers).
//!
//! - **Parts** (crews with `spares`): a device or gateway repair takes one part when its job is
//!   raised. Each part taken orders a new one at once (one-for-one replenishment, base stock
//!   S), arriving a draw of the lead time later; a job that finds the shelf empty is a
//!   stockout and waits, in order, for the next part to arrive. Jobs waiting for a part are set
//!   aside: the technicians serve the jobs that have theirs (a technician holds a job only once
//!   its part is there). So the share of jobs finding no part is Palm's P(Poisson(λL) ≥ S).
//! - **Technicians**: a free technician takes the oldest ready job (by the time it was raised),
//!   travels (a draw of `travel`), repairs (the job's hands-on time) and is free when the unit
//!   is back: one `JobDone` event, which the world turns into the unit's own repair event.
//!
//! Travel and lead times come from two streams of the crew (process `CREW`), in event order,
//! so a crew's draws never shift another entity's.

use std::collections::VecDeque;

use super::{Packed, process};
use crate::engine::{Agenda, DurationDist, Scheduler, Stream, StreamKey, Ticks};
use crate::model::event::Event;
use crate::scenario::Deployment;

/// What a job restores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Work {
    Device(u32),
    Gateway(u32),
    /// A bricked device's site visit (no part).
    Unbrick(u32),
}

impl Work {
    /// The event that restores the unit when the job is done.
    fn event(self) -> Event {
        match self {
            Work::Device(d) => Event::DeviceRepair(d),
            Work::Gateway(g) => Event::GatewayRepair(g),
            Work::Unbrick(d) => Event::Unbrick(d),
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Job {
    work: Work,
    raised: Ticks,
    /// Hands-on repair time once the technician is on site.
    hands_on: Ticks,
    /// Raise order: ties of `raised` are served in it.
    seq: u64,
}

/// One crew's state in a replication.
#[derive(Debug)]
struct CrewRt {
    technicians: u32,
    busy: u32,
    travel: DurationDist,
    lead_time: Option<DurationDist>,
    stock: u32,
    travel_rng: Stream,
    parts_rng: Stream,
    /// Jobs with their part (or needing none), oldest first: (raised, seq, slot).
    ready: VecDeque<(Ticks, u64, u32)>,
    /// Jobs waiting for a part, in the order they asked for one.
    backorders: VecDeque<u32>,
    /// When the time averages were last brought up to date.
    last: Ticks,
    stats: CrewStats,
}

impl CrewRt {
    /// Adds the busy technicians and waiting jobs since the last change to the time averages.
    fn advance(&mut self, now: Ticks) {
        let span = now.saturating_sub(self.last) as u128;
        self.stats.busy_time += self.busy as u128 * span;
        self.stats.queue_time += (self.ready.len() + self.backorders.len()) as u128 * span;
        self.last = self.last.max(now);
    }
}

/// What one crew did in a replication.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CrewStats {
    pub technicians: u32,
    /// Technician-time spent on jobs (travel and repair), in ticks.
    pub busy_time: u128,
    /// Integral of the number of jobs waiting for a technician or a part, in job-ticks.
    pub queue_time: u128,
    /// Jobs raised, and those a technician started and finished before the horizon.
    pub raised: u64,
    pub started: u64,
    pub completed: u64,
    /// Sum over started jobs of the time from raise to a technician taking it.
    pub wait_sum: u128,
    /// Sum over completed jobs of the time from the failure to the unit being back.
    pub restore_sum: u128,
    /// Parts asked for, and asks that found none on the shelf.
    pub demands: u64,
    pub stockouts: u64,
}

/// Every crew's state, the jobs in progress, and which crew serves each fleet and gateway.
#[derive(Debug, Default)]
pub(super) struct Crews {
    crews: Vec<CrewRt>,
    jobs: Vec<Job>,
    free: Vec<u32>,
    seq: u64,
    of_fleet: Vec<Option<u32>>,
    of_gateway: Vec<Option<u32>>,
}

impl Crews {
    pub(super) fn new(dep: &Deployment, replication: u64) -> Crews {
        if dep.crews.is_empty() {
            return Crews::default();
        }
        let key = |entity: u64, k: u64| {
            StreamKey {
                seed: dep.seed,
                replication,
                entity,
                process: process::CREW | k << 32,
            }
            .stream()
        };
        let crew_at = |site: usize| dep.crew_of_site.get(site).copied().flatten();
        Crews {
            crews: dep
                .crews
                .iter()
                .map(|c| CrewRt {
                    technicians: c.technicians,
                    busy: 0,
                    travel: c.travel.clone(),
                    lead_time: c.spares.as_ref().map(|s| s.lead_time.clone()),
                    stock: c.spares.as_ref().map_or(0, |s| s.stock),
                    travel_rng: key(c.key, 1),
                    parts_rng: key(c.key, 2),
                    ready: VecDeque::new(),
                    backorders: VecDeque::new(),
                    last: 0,
                    stats: CrewStats {
                        technicians: c.technicians,
                        ..CrewStats::default()
                    },
                })
                .collect(),
            jobs: vec![],
            free: vec![],
            seq: 0,
            of_fleet: dep
                .fleets
                .iter()
                .map(|f| crew_at(f.site).map(|c| c as u32))
                .collect(),
            of_gateway: dep
                .gateways
                .iter()
                .map(|g| crew_at(g.site).map(|c| c as u32))
                .collect(),
        }
    }

    /// The crew serving fleet `f`'s site, if any.
    #[inline]
    pub(super) fn of_fleet(&self, f: usize) -> Option<u32> {
        self.of_fleet.get(f).copied().flatten()
    }

    /// The crew serving gateway `g`'s site, if any.
    #[inline]
    pub(super) fn of_gateway(&self, g: usize) -> Option<u32> {
        self.of_gateway.get(g).copied().flatten()
    }

    /// The warm-up ends `now`: each crew's time averages are brought up to now and every
    /// statistic restarts, so busy time and queue length count from now on (a technician
    /// busy across the instant counts from it) and jobs count where they start or finish
    /// after it, each with its whole wait or time to restore (a job raised before the
    /// warm-up's end and finished after it counts in the mean time to restore).
    pub(super) fn warm_up(&mut self, now: Ticks) {
        for c in &mut self.crews {
            c.advance(now);
            c.stats = CrewStats {
                technicians: c.technicians,
                ..CrewStats::default()
            };
        }
    }

    /// Each crew's statistics, the time averages brought up to `horizon`.
    pub(super) fn finish(mut self, horizon: Ticks) -> Vec<CrewStats> {
        self.crews
            .iter_mut()
            .map(|c| {
                c.advance(horizon);
                std::mem::take(&mut c.stats)
            })
            .collect()
    }
}

/// The crews' part in a run: raising jobs, dispatching technicians, parts arriving. They
/// schedule their own events and touch no other state.
impl Crews {
    /// The unit `work` failed at a site of crew `c` and needs `hands_on` time on site: raises
    /// its job (taking or back-ordering a part if `part`), then puts free technicians to work.
    pub(super) fn raise_job(
        &mut self,
        sched: &mut impl Agenda<Packed>,
        c: u32,
        work: Work,
        hands_on: Ticks,
        part: bool,
    ) {
        let now = sched.now();
        let seq = self.seq;
        self.seq += 1;
        let job = Job {
            work,
            raised: now,
            hands_on,
            seq,
        };
        let slot = match self.free.pop() {
            Some(s) => {
                self.jobs[s as usize] = job;
                s
            }
            None => {
                self.jobs.push(job);
                (self.jobs.len() - 1) as u32
            }
        };
        let crew = &mut self.crews[c as usize];
        crew.advance(now);
        crew.stats.raised += 1;
        match &crew.lead_time {
            Some(lead) if part => {
                crew.stats.demands += 1;
                let after = lead.sample(&mut crew.parts_rng);
                sched.schedule_at(now.saturating_add(after), Event::PartArrives(c).into());
                if crew.stock > 0 {
                    crew.stock -= 1;
                    crew.ready.push_back((now, seq, slot));
                } else {
                    crew.stats.stockouts += 1;
                    crew.backorders.push_back(slot);
                }
            }
            _ => crew.ready.push_back((now, seq, slot)),
        }
        self.dispatch(sched, c);
    }

    /// A part ordered by crew `c` arrives: the oldest job waiting for one takes it (and joins
    /// the ready jobs in the order of its failure), or it goes on the shelf.
    pub(super) fn part_arrives(&mut self, sched: &mut Scheduler<Packed>, c: u32) {
        let now = sched.now();
        let crew = &mut self.crews[c as usize];
        crew.advance(now);
        match crew.backorders.pop_front() {
            Some(slot) => {
                let job = self.jobs[slot as usize];
                let key = (job.raised, job.seq, slot);
                let at = crew.ready.partition_point(|x| *x < key);
                crew.ready.insert(at, key);
                self.dispatch(sched, c);
            }
            None => crew.stock += 1,
        }
    }

    /// Free technicians of crew `c` take the oldest ready jobs, each finishing after a travel
    /// draw and the job's hands-on time.
    fn dispatch(&mut self, sched: &mut impl Agenda<Packed>, c: u32) {
        let now = sched.now();
        let crew = &mut self.crews[c as usize];
        while crew.busy < crew.technicians {
            let Some((raised, _, slot)) = crew.ready.pop_front() else {
                break;
            };
            crew.advance(now);
            crew.busy += 1;
            crew.stats.started += 1;
            crew.stats.wait_sum += (now - raised) as u128;
            let travel = crew.travel.sample(&mut crew.travel_rng);
            let done = now
                .saturating_add(travel)
                .saturating_add(self.jobs[slot as usize].hands_on);
            sched.schedule_at(done, Event::JobDone { crew: c, slot }.into());
        }
    }

    /// A technician of crew `c` has finished job `slot`: the technician takes the next job,
    /// and the event that restores the unit is returned for the world to handle.
    pub(super) fn job_done(&mut self, sched: &mut Scheduler<Packed>, c: u32, slot: u32) -> Event {
        let now = sched.now();
        let job = self.jobs[slot as usize];
        self.free.push(slot);
        let crew = &mut self.crews[c as usize];
        crew.advance(now);
        crew.busy = crew.busy.saturating_sub(1);
        crew.stats.completed += 1;
        crew.stats.restore_sum += (now - job.raised) as u128;
        self.dispatch(sched, c);
        job.work.event()
    }
}
