//! Staleness of a site's data at the cloud: the time during which the newest reading the cloud
//! holds from the site is older than the freshness deadline.
//!
//! A delivered reading created at `c` and arriving at `a` keeps the site fresh over
//! `[a, c + deadline)`; the site is stale wherever no delivered reading covers it. Readings are
//! reported in the order they leave their gateway, not the order they arrive, so intervals come
//! slightly out of order; but none can start before the current simulation time, so everything
//! before it is settled. The tracker keeps only the few unsettled intervals after it, which
//! makes the measure exact at constant cost per delivery.

use crate::engine::Ticks;

#[derive(Clone, Debug)]
pub struct Freshness {
    /// Stale time is final before this instant.
    settled_until: Ticks,
    /// Stale time before this instant is not counted (a warm-up's end, or 0).
    from: Ticks,
    stale: Ticks,
    /// Disjoint, sorted intervals of freshness not yet settled, all ending after
    /// `settled_until`.
    pending: Vec<(Ticks, Ticks)>,
    /// Flow mode's long runs of sparse readings, covered reading by reading as settling
    /// reaches them (so that memory stays bounded however long the run).
    runs: Vec<ReadingRun>,
}

/// A flow-mode piece's readings spread evenly over it, each keeping the site fresh on its own
/// interval: reading i of `count`, at x = (i + ½)/count, covers
/// [`leaves(x)` + `latency`, `created(x)` + `deadline`) with `leaves` and `created` linear
/// in x. Too many to cover at once when a piece lasts years, and too sparse to cover as one
/// interval (the gaps between them are stale).
#[derive(Clone, Copy, Debug)]
pub struct ReadingRun {
    /// When the first and the last reading leave (ticks, as fractions).
    pub leaves: (f64, f64),
    /// When the first and the last reading were created.
    pub created: (f64, f64),
    pub latency: f64,
    pub deadline: f64,
    pub count: u64,
    /// The next reading to cover.
    pub next: u64,
}

impl ReadingRun {
    /// Reading `i`'s interval of freshness (start, end), as the one-by-one cover computes it.
    #[inline]
    pub fn interval(&self, i: u64) -> (f64, f64) {
        let x = (i as f64 + 0.5) / self.count as f64;
        let leaves = self.leaves.0 + x * (self.leaves.1 - self.leaves.0);
        let created = self.created.0 + x * (self.created.1 - self.created.0);
        (leaves + self.latency, created + self.deadline)
    }

    /// Where reading `i` starts, or never past the last.
    fn start(&self, i: u64) -> f64 {
        if i < self.count {
            self.interval(i).0
        } else {
            f64::INFINITY
        }
    }
}

impl Freshness {
    /// A site is taken as fresh for one deadline after the start, while its first readings are
    /// on their way.
    pub fn new(deadline: Ticks) -> Freshness {
        Freshness {
            settled_until: 0,
            from: 0,
            stale: 0,
            pending: if deadline > 0 {
                vec![(0, deadline)]
            } else {
                vec![]
            },
            runs: vec![],
        }
    }

    /// Covers a run of readings lazily: each is covered when settling reaches its start.
    pub fn cover_run(&mut self, run: ReadingRun) {
        if run.next < run.count {
            self.runs.push(run);
        }
    }

    /// Covers every reading of the runs that starts before `until`, settling in steps of at
    /// most `STEP` readings a run so that the pending intervals stay few.
    #[cold]
    #[inline(never)]
    fn settle_runs(&mut self, until: Ticks) {
        const STEP: u64 = 1024;
        let mut runs = std::mem::take(&mut self.runs);
        loop {
            // Everything before `to` is known once each run has covered what starts before it;
            // at least one tick further each step, so readings sharing a start all get in.
            let to = runs
                .iter()
                .map(|r| r.start(r.next + STEP))
                .fold(until as f64, f64::min);
            let to = (to as Ticks).max(self.settled_until + 1).min(until);
            for run in &mut runs {
                while run.next < run.count {
                    let (start, end) = run.interval(run.next);
                    if start as Ticks >= to {
                        break;
                    }
                    if end > start {
                        self.cover(start as Ticks, end as Ticks);
                    }
                    run.next += 1;
                }
            }
            runs.retain(|r| r.next < r.count);
            if to >= until || runs.is_empty() {
                break;
            }
            self.settle_pending(to);
        }
        self.runs = runs;
    }

    /// A reading created at `created` arrives at the cloud at `arrival` (≥ `now`). Always
    /// inline: every delivered message comes here, and the usual case is a few comparisons,
    /// cheaper than the call's frame.
    #[inline(always)]
    pub fn delivered(&mut self, now: Ticks, created: Ticks, arrival: Ticks, deadline: Ticks) {
        let end = created.saturating_add(deadline);
        if end > arrival {
            self.cover(arrival, end);
        }
        self.settle(now);
    }

    /// Marks [start, end) fresh without settling (flow mode settles separately). Always
    /// inline (the merge is out of line): a call cost more than the usual case's comparisons.
    #[inline(always)]
    pub fn cover(&mut self, start: Ticks, end: Ticks) {
        let start = start.max(self.settled_until);
        if start >= end {
            return;
        }
        // The usual case (every delivery of a steady site): the reading extends the latest
        // interval. Inline, so that a delivery costs a few comparisons.
        if let Some(last) = self.pending.last_mut()
            && last.0 <= start
            && start <= last.1
        {
            last.1 = last.1.max(end);
            return;
        }
        self.merge(start, end);
    }

    /// Merges [start, end) with every pending interval that touches it (a reading arriving
    /// out of order, or after a stale gap).
    #[cold]
    #[inline(never)]
    fn merge(&mut self, mut start: Ticks, mut end: Ticks) {
        if self.pending.last().is_none_or(|last| last.1 < start) {
            self.pending.push((start, end)); // after a stale gap: nothing to merge with
            return;
        }
        let mut kept = Vec::with_capacity(self.pending.len() + 1);
        for &(s, e) in &self.pending {
            if e < start || s > end {
                kept.push((s, e));
            } else {
                start = start.min(s);
                end = end.max(e);
            }
        }
        let at = kept.partition_point(|&(s, _)| s < start);
        kept.insert(at, (start, end));
        self.pending = kept;
    }

    /// Settles the stale time before `until`: nothing can cover it any more.
    #[inline]
    pub fn settle(&mut self, until: Ticks) {
        if until <= self.settled_until {
            return;
        }
        if !self.runs.is_empty() {
            self.settle_runs(until);
        }
        self.settle_pending(until);
    }

    /// Settles the pending intervals up to `until`. Always inline, as [`Freshness::cover`].
    #[inline(always)]
    fn settle_pending(&mut self, until: Ticks) {
        if until <= self.settled_until {
            return;
        }
        // The usual case: the earliest pending interval covers the whole step and goes on
        // after it, so no stale time accrues and nothing is settled but the instant (what the
        // loop below does in that case, in two comparisons).
        if let Some(&(s, e)) = self.pending.first()
            && s <= self.settled_until
            && e > until
        {
            self.settled_until = until;
            return;
        }
        self.settle_gaps(until);
    }

    /// Settles up to `until` when an interval ends or a gap begins before it.
    #[inline(never)]
    fn settle_gaps(&mut self, until: Ticks) {
        let mut t = self.settled_until;
        let mut settled = 0;
        for &(s, e) in &self.pending {
            if s >= until {
                break;
            }
            if s > t {
                self.stale += s - t.max(self.from).min(s);
            }
            t = t.max(e.min(until));
            if e > until {
                break;
            }
            settled += 1;
        }
        if t < until {
            self.stale += until - t.max(self.from).min(until);
        }
        self.pending.drain(..settled);
        self.settled_until = until;
    }

    /// Stale time restarts at `now` (a warm-up's end): only what is stale from `now` on is
    /// counted. The state goes on: readings already delivered keep the site fresh as before,
    /// with no new grace. Exact whenever it is settled no further than `now`, which holds as
    /// every caller settles only up to the current simulation time.
    pub fn restart(&mut self, now: Ticks) {
        debug_assert!(
            self.settled_until <= now,
            "freshness settled past the warm-up"
        );
        self.from = now;
        self.stale = 0;
    }

    /// Stale time over `[0, horizon)`, or from the restart on.
    pub fn stale_until(mut self, horizon: Ticks) -> Ticks {
        self.settle(horizon);
        self.stale
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_timely_readings_keep_a_site_fresh() {
        let mut f = Freshness::new(100);
        for k in 0..10 {
            let created = k * 50;
            f.delivered(created + 1, created, created + 1, 100);
        }
        assert_eq!(f.stale_until(500), 0);
    }

    #[test]
    fn a_gap_in_readings_is_stale_after_the_deadline() {
        let mut f = Freshness::new(100);
        f.delivered(0, 0, 0, 100); // fresh until 100
        f.delivered(300, 300, 300, 100); // fresh 300..400
        assert_eq!(f.stale_until(400), 200);
    }

    #[test]
    fn late_readings_do_not_refresh() {
        let mut f = Freshness::new(100);
        f.delivered(500, 0, 500, 100);
        assert_eq!(f.stale_until(600), 500);
    }

    #[test]
    fn out_of_order_arrivals_are_measured_exactly() {
        let mut f = Freshness::new(10);
        // Sent at 20 with a long latency, then at 21 with a short one arriving earlier.
        f.delivered(20, 20, 40, 100);
        f.delivered(21, 21, 25, 100);
        // Fresh 0..10, stale 10..25, fresh 25..121.
        assert_eq!(f.stale_until(121), 15);
    }

    #[test]
    fn after_a_restart_only_later_stale_time_counts() {
        let mut f = Freshness::new(100);
        f.delivered(0, 0, 0, 100); // fresh until 100, stale from there
        f.delivered(150, 150, 150, 100); // stale 100..150 (settled), fresh 150..250
        f.restart(200);
        // Stale 250..300 still pending at the restart: counted from 250; 100..150 not.
        f.delivered(300, 300, 300, 100);
        assert_eq!(f.stale_until(400), 50);
        // A gap spanning the restart counts from it.
        let mut f = Freshness::new(10);
        f.restart(60);
        assert_eq!(f.stale_until(100), 40);
    }

    #[test]
    fn with_no_data_the_whole_horizon_after_the_deadline_is_stale() {
        assert_eq!(Freshness::new(30).stale_until(100), 70);
    }

    /// A run covered lazily, settled in many steps or once, gives the stale time of its
    /// readings covered one by one at once; however long the run, few intervals are pending.
    #[test]
    fn a_run_of_readings_is_covered_as_settling_reaches_it() {
        let run = ReadingRun {
            leaves: (1_000.0, 9_000_000.0),
            created: (990.0, 8_999_990.0),
            latency: 5.0,
            deadline: 60.0,
            count: 100_000,
            next: 0,
        };
        let mut eager = Freshness::new(60);
        for i in 0..run.count {
            let (start, end) = run.interval(i);
            eager.cover(start as Ticks, end as Ticks);
        }
        let expected = eager.stale_until(10_000_000);
        // Readings 90 apart, each fresh for 45: about half the time stale.
        assert!((expected as f64 / 1e7 - 0.55).abs() < 0.01, "{expected}");
        let mut once = Freshness::new(60);
        once.cover_run(run);
        once.settle(5_000_000);
        assert!(once.pending.len() <= 2 * 1024, "{}", once.pending.len());
        assert_eq!(once.stale_until(10_000_000), expected);
        let mut stepwise = Freshness::new(60);
        stepwise.cover_run(run);
        for until in (0..10_000_000).step_by(777_777) {
            stepwise.settle(until);
        }
        assert_eq!(stepwise.stale_until(10_000_000), expected);
    }

    /// Readings sharing one instant (a piece of no length) are all covered.
    #[test]
    fn a_run_with_every_reading_at_one_instant_settles() {
        let mut f = Freshness::new(0);
        f.cover_run(ReadingRun {
            leaves: (500.0, 500.0),
            created: (500.0, 500.0),
            latency: 0.0,
            deadline: 100.0,
            count: 10_000,
            next: 0,
        });
        assert_eq!(f.stale_until(1_000), 900);
    }

    proptest::proptest! {
        /// Stale time equals a tick-by-tick count of the instants no delivered reading covers
        /// (nor the start's grace of one deadline), whether deliveries extend the latest
        /// interval (the shortcut), arrive out of order or leave gaps.
        #[test]
        fn stale_time_is_the_count_of_uncovered_ticks(
            deadline in 0u64..40,
            steps in proptest::collection::vec((0u64..30, 0u64..30, 0u64..30), 0..40),
        ) {
            let mut f = Freshness::new(deadline);
            let mut covered = vec![false; 2_000];
            covered.iter_mut().take(deadline as usize).for_each(|c| *c = true);
            let mut now = 0;
            for (step, age, latency) in steps {
                now += step;
                let (created, arrival) = (now.saturating_sub(age), now + latency);
                f.delivered(now, created, arrival, deadline);
                for t in arrival..created + deadline {
                    covered[t as usize] = true;
                }
            }
            let horizon = now + 40;
            let uncovered = covered[..horizon as usize].iter().filter(|c| !**c).count();
            proptest::prop_assert_eq!(f.stale_until(horizon), uncovered as u64);
        }
    }
}
