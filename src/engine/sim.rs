//! The scheduler a model sees, and the run loop that drives a model to a horizon.

use super::lanes::{Lane, Lanes};
use super::queue::EventQueue;
use super::time::{Duration, Ticks};

/// A model reacts to its own events. Implementations must be deterministic functions of their
/// state and the event: no wall clock, no unseeded randomness, no iteration over hash maps.
pub trait Model {
    /// A small `Copy` event; the queue stores it inline.
    type Event: Copy;

    /// Applies one event at `sched.now()`; may schedule further events.
    fn handle(&mut self, sched: &mut Scheduler<Self::Event>, event: Self::Event);

    /// `event` is due soon (an event or two after the one about to be handled, if nothing is
    /// scheduled before it): the model may start loading the state it will touch, so that a
    /// cache miss on it overlaps the work before it. A hint only, which must not change any
    /// result; the default does nothing.
    #[inline(always)]
    fn upcoming(&self, _event: &Self::Event) {}

    /// Whether, when the queue holds too few sorted events, [`Model::upcoming`] should be told
    /// of a guess past them (the first events of the queue's lowest slots; right when the near
    /// future is sparse, as in flow mode over decades). Off by default: a dense queue usually
    /// refills with several events, and the guess costs a few loads an event.
    #[inline(always)]
    fn upcoming_guessed(&self) -> bool {
        false
    }
}

/// Asks the processor to start loading the cache lines of `first` and `last` (the two ends
/// of one entry, which may straddle two lines) without waiting for them and without changing
/// anything. A large fleet's device entries are far apart in memory, and `perf record` at
/// 100,000 devices put a third of the run on the first load of an event's device entry; an
/// ordinary load issued early only moved the stall (the processor waits for it all the same).
#[inline(always)]
pub fn prefetch<A, B>(first: &A, last: &B) {
    #[cfg(target_arch = "x86_64")]
    {
        safe_arch::prefetch_t0(first);
        safe_arch::prefetch_t0(last);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (first, last);
}

/// How many events ahead of the one being handled the run loop announces
/// ([`Model::upcoming`]): handling an event takes about as long as a load from memory, so the
/// second next one's state has time to arrive, and the next one's was announced the event
/// before.
const PREFETCH_AHEAD: usize = 2;

/// Simulation clock plus pending events: the event queue, and the fixed-delay lanes a model
/// opened (`lanes.rs`).
///
/// There is no cancellation: a model that changes its mind marks the pending event stale in
/// its own state (a generation counter or the state the event expects) and ignores it when it
/// fires. That keeps a queue entry at 16 bytes, with no identity to store, and the model
/// already has to know which of its timers are live.
#[derive(Debug)]
pub struct Scheduler<E> {
    now: Ticks,
    queue: EventQueue<E>,
    lanes: Lanes<E>,
    processed: u64,
}

impl<E: Copy> Default for Scheduler<E> {
    fn default() -> Self {
        Self::with_capacity(0)
    }
}

impl<E: Copy> Scheduler<E> {
    pub fn with_capacity(capacity: usize) -> Self {
        Scheduler {
            now: 0,
            queue: EventQueue::with_capacity(capacity),
            lanes: Lanes::default(),
            processed: 0,
        }
    }

    /// The current simulation time.
    #[inline(always)]
    pub fn now(&self) -> Ticks {
        self.now
    }

    /// Makes room for `additional` more pending events (a model that learns how many it
    /// keeps only as it is built).
    pub fn reserve(&mut self, additional: usize) {
        self.queue.reserve(additional);
    }

    /// Events handled so far.
    pub fn processed(&self) -> u64 {
        self.processed
    }

    /// Events still pending.
    pub fn pending(&self) -> usize {
        self.queue.len() + self.lanes.len()
    }

    /// Bytes held by the pending-event storage.
    pub fn allocated_bytes(&self) -> usize {
        self.queue.allocated_bytes() + self.lanes.allocated_bytes()
    }

    /// A lane for events scheduled `delay` after now ([`Scheduler::schedule_in`]), or `None`
    /// if the scheduler keeps no more lanes (the model then schedules them as any other).
    /// Worth opening for a delay that many events share: a lane spares them the queue's
    /// sorting, and the run loop then compares every event's time with the lanes' first.
    pub fn lane(&mut self, delay: Duration) -> Option<Lane> {
        // The run loop is chosen as a run starts (`Scheduler::run`), so a lane must be open
        // by then: none opens once events are being handed out.
        if self.processed > 0 {
            return None;
        }
        self.lanes.lane(delay.0)
    }

    /// The delay of `lane`.
    pub fn delay(&self, lane: Lane) -> Ticks {
        self.lanes.delay(lane)
    }

    /// Schedules `event` its lane's delay after now: the same as
    /// [`Scheduler::schedule_after`] with that delay, in the same order among every event
    /// scheduled, only cheaper.
    #[inline(always)]
    pub fn schedule_in(&mut self, lane: Lane, event: E) {
        let time = self.now.saturating_add(self.lanes.delay(lane));
        self.lanes.push(lane, time, event)
    }

    /// Schedules `event` at absolute time `time`. Scheduling in the past is a model bug: the
    /// event is clamped to now, so causality holds, and debug builds stop.
    #[inline]
    pub fn schedule_at(&mut self, time: Ticks, event: E) {
        debug_assert!(time >= self.now, "event scheduled in the past");
        self.queue_at(time.max(self.now), event)
    }

    /// Schedules `event` after `delay` from now.
    #[inline]
    pub fn schedule_after(&mut self, delay: Duration, event: E) {
        self.queue_at(self.now.saturating_add(delay.0), event)
    }

    /// Gives the queue an event, after the lanes' events at its time (scheduled before it).
    #[inline(always)]
    fn queue_at(&mut self, time: Ticks, event: E) {
        self.lanes.yield_ties(time, &mut self.queue);
        self.queue.push(time, event)
    }

    /// Pops the next event strictly before `horizon`, advancing the clock to it.
    #[inline(always)]
    pub fn next_before(&mut self, horizon: Ticks) -> Option<E> {
        if self.lanes.is_open() {
            self.next_of_all_before(horizon)
        } else {
            self.next_queued_before(horizon)
        }
    }

    /// [`Scheduler::next_before`] with no lane open.
    #[inline(always)]
    fn next_queued_before(&mut self, horizon: Ticks) -> Option<E> {
        if self.queue.peek_time()? >= horizon {
            return None;
        }
        let (time, event) = self.queue.pop()?;
        self.now = time;
        self.processed += 1;
        Some(event)
    }

    /// [`Scheduler::next_before`] with lanes open: the earlier of the lanes' next and the
    /// queue's next, the queue's at equal times.
    #[inline(always)]
    fn next_of_all_before(&mut self, horizon: Ticks) -> Option<E> {
        let queued = self.queue.peek_time().unwrap_or(Ticks::MAX);
        let laned = self.lanes.next_time();
        let (time, event) = if laned < queued {
            if laned >= horizon {
                return None;
            }
            self.lanes.pop()?
        } else {
            if queued >= horizon {
                return None;
            }
            self.queue.pop()?
        };
        self.now = time;
        self.processed += 1;
        Some(event)
    }

    /// Tells `model` of the event [`PREFETCH_AHEAD`] places after the one just popped (or
    /// the next, if fewer are at hand), when the queue has it sorted already.
    #[inline(always)]
    fn announce<M: Model<Event = E>>(&self, model: &M) {
        // The guess only when nothing is sorted: asking for it whenever fewer than
        // PREFETCH_AHEAD are cost packet mode 0.75% more instructions on the factory.
        if let Some(event) = self.queue.sorted_ahead(PREFETCH_AHEAD) {
            model.upcoming(event);
        } else if model.upcoming_guessed()
            && let Some(event) = self.queue.guess_ahead(PREFETCH_AHEAD)
        {
            model.upcoming(event);
        }
    }

    /// Runs `model` until no event is left before `horizon`, then sets the clock to `horizon`.
    pub fn run<M: Model<Event = E>>(&mut self, model: &mut M, horizon: Ticks) {
        // A stopping rule that never holds is compiled away: no check per event.
        self.run_until(model, horizon, |_| false);
    }

    /// As [`Scheduler::run`], but stops as soon as `done(model)` holds after an event, and
    /// returns the time of that event (`None` if the horizon came first, the clock then set to
    /// it).
    pub fn run_until<M: Model<Event = E>>(
        &mut self,
        model: &mut M,
        horizon: Ticks,
        done: impl Fn(&M) -> bool,
    ) -> Option<Ticks> {
        // One loop for each source of events, chosen once: the loop without lanes is the one
        // a model that opened none always ran.
        if self.lanes.is_open() {
            self.run_with(model, horizon, Self::next_of_all_before, done)
        } else {
            self.run_with(model, horizon, Self::next_queued_before, done)
        }
    }

    /// The run loop: takes events from `next` until none is left before `horizon` or
    /// `done(model)` holds after one (then returns its time).
    #[inline(always)]
    fn run_with<M: Model<Event = E>>(
        &mut self,
        model: &mut M,
        horizon: Ticks,
        next: impl Fn(&mut Self, Ticks) -> Option<E>,
        done: impl Fn(&M) -> bool,
    ) -> Option<Ticks> {
        while let Some(event) = next(self, horizon) {
            self.announce(model);
            model.handle(self, event);
            if done(model) {
                return Some(self.now);
            }
        }
        self.now = self.now.max(horizon);
        None
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A model that records what it sees.
    pub(crate) struct Recorder {
        pub(crate) seen: Vec<(Ticks, u32)>,
    }

    impl Model for Recorder {
        type Event = u32;
        fn handle(&mut self, sched: &mut Scheduler<u32>, event: u32) {
            self.seen.push((sched.now(), event));
        }
    }

    #[test]
    fn the_run_stops_before_the_horizon() {
        let mut sched = Scheduler::default();
        sched.schedule_at(10, 1);
        sched.schedule_at(20, 2);
        let mut model = Recorder { seen: vec![] };
        sched.run(&mut model, 20);
        assert_eq!(model.seen, vec![(10, 1)]);
        assert_eq!(sched.now(), 20);
        assert_eq!(sched.pending(), 1);
    }

    #[test]
    fn a_run_until_stops_after_the_event_that_ends_it() {
        let mut sched = Scheduler::default();
        for t in [5, 10, 10, 20] {
            sched.schedule_at(t, t as u32);
        }
        let mut model = Recorder { seen: vec![] };
        let stop = sched.run_until(&mut model, 100, |m| m.seen.len() == 2);
        assert_eq!(stop, Some(10));
        assert_eq!(model.seen, vec![(5, 5), (10, 10)]);
        let mut model = Recorder { seen: vec![] };
        assert_eq!(sched.run_until(&mut model, 15, |_| false), None);
        assert_eq!(sched.now(), 15);
    }

    /// Schedules and pops as `ops` say — (what, distance): `what` 0 schedules at `distance`
    /// after now through the queue, 1 to 3 schedule into the lane of `delays[what - 1]`, 4 pops
    /// — and checks every pop against a sorted map keyed by (time, scheduling order).
    fn lanes_agree(delays: [u64; 3], ops: Vec<(u8, u64)>) -> Result<(), TestCaseError> {
        let mut sched = Scheduler::default();
        let lanes: Vec<Lane> = delays
            .iter()
            .map(|&d| sched.lane(Duration(d)).unwrap())
            .collect();
        let mut reference = std::collections::BTreeMap::new();
        for (i, (what, distance)) in ops.into_iter().enumerate() {
            match what {
                0 => {
                    sched.schedule_after(Duration(distance), i);
                    reference.insert((sched.now() + distance, i), i);
                }
                1..=3 => {
                    let lane = usize::from(what - 1);
                    sched.schedule_in(lanes[lane], i);
                    reference.insert((sched.now() + delays[lane], i), i);
                }
                _ => {
                    let expected = reference.pop_first().map(|((t, _), e)| (t, e));
                    let got = sched.next_before(Ticks::MAX).map(|e| (sched.now(), e));
                    prop_assert_eq!(got, expected);
                }
            }
            prop_assert_eq!(sched.pending(), reference.len());
        }
        while let Some(((t, _), e)) = reference.pop_first() {
            prop_assert_eq!(sched.next_before(Ticks::MAX), Some(e));
            prop_assert_eq!(sched.now(), t);
        }
        prop_assert_eq!(sched.next_before(Ticks::MAX), None);
        Ok(())
    }

    #[test]
    fn a_lane_keeps_the_order_of_scheduling_at_ties() {
        let mut sched = Scheduler::default();
        let (long, short) = (
            sched.lane(Duration(10)).unwrap(),
            sched.lane(Duration(4)).unwrap(),
        );
        sched.schedule_at(10, "queued first");
        sched.schedule_in(long, "long lane at 10");
        sched.schedule_at(10, "queued after the long lane's");
        sched.schedule_at(6, "at 6");
        assert_eq!(sched.next_before(7), Some("at 6"));
        sched.schedule_in(short, "short lane at 10, scheduled last");
        sched.schedule_in(long, "long lane at 16");
        let mut order = vec![];
        while let Some(e) = sched.next_before(100) {
            order.push((sched.now(), e));
        }
        assert_eq!(
            order,
            [
                (10, "queued first"),
                (10, "long lane at 10"),
                (10, "queued after the long lane's"),
                (10, "short lane at 10, scheduled last"),
                (16, "long lane at 16"),
            ]
        );
    }

    #[test]
    fn lanes_are_few_and_one_a_delay() {
        let mut sched = Scheduler::<u32>::default();
        let first = sched.lane(Duration(5));
        assert_eq!(sched.lane(Duration(5)), first);
        for d in 1..crate::engine::lanes::MAX_LANES as u64 {
            assert!(sched.lane(Duration(5 + d)).is_some());
        }
        assert_eq!(sched.lane(Duration(1000)), None);
    }

    #[test]
    fn no_lane_opens_once_events_are_handed_out() {
        let mut sched = Scheduler::<u32>::default();
        sched.schedule_at(1, 0);
        assert_eq!(sched.next_before(10), Some(0));
        assert_eq!(sched.lane(Duration(5)), None);
    }

    proptest! {
        /// Lanes of three delays (some equal to another's, some zero) and the queue, with many
        /// ties: every event comes out at its time, ties in the order they were scheduled.
        #[test]
        fn lanes_and_the_queue_give_events_in_scheduling_order(
            delays in [0u64..40, 0u64..40, 0u64..40],
            ops in prop::collection::vec((0u8..5, 0u64..60), 0..400),
        ) {
            lanes_agree(delays, ops)?;
        }

        /// Whatever is scheduled: events come out in non-decreasing time, ties in the order
        /// they were scheduled, and every one exactly once.
        #[test]
        fn order(times in prop::collection::vec(0u64..30, 1..200)) {
            let mut sched = Scheduler::default();
            for (i, &t) in times.iter().enumerate() {
                sched.schedule_at(t, i as u32);
            }
            let mut model = Recorder { seen: vec![] };
            sched.run(&mut model, u64::MAX);
            for pair in model.seen.windows(2) {
                let ((t0, e0), (t1, e1)) = (pair[0], pair[1]);
                prop_assert!(t0 < t1 || (t0 == t1 && e0 < e1));
            }
            prop_assert_eq!(model.seen.len(), times.len());
        }
    }
}
