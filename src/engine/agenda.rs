//! Where a handler puts the events it schedules: the run's [`Scheduler`], or a [`Local`]
//! agenda that runs one unit's own events on their own.
//!
//! A unit whose future nothing else in the run can change (a meter that fails, is repaired and
//! degrades on its own random stream) can live its whole life ahead of the run, one unit after
//! another, instead of through the shared queue with every other unit's events interleaved:
//! the same handlers, the same draws, in the same order for that unit. That is what lets flow
//! mode take ten million meters' lives in turn while each one's state stays in the caches.

use super::{Scheduler, Ticks};

/// Where events are scheduled, and the time they are scheduled from.
pub trait Agenda<E> {
    /// The current simulation time.
    fn now(&self) -> Ticks;

    /// Schedules `event` at absolute time `time` (clamped to now, as the scheduler does).
    fn schedule_at(&mut self, time: Ticks, event: E);
}

impl<E: Copy> Agenda<E> for Scheduler<E> {
    #[inline(always)]
    fn now(&self) -> Ticks {
        Scheduler::now(self)
    }

    #[inline(always)]
    fn schedule_at(&mut self, time: Ticks, event: E) {
        Scheduler::schedule_at(self, time, event)
    }
}

/// A small agenda for one unit's events, in the scheduler's order: by time, ties first in,
/// first out. A unit has a handful pending at once, so a short list with its earliest entry
/// remembered beats any heap; `clear` keeps the allocation for the next unit.
///
/// One event may instead repeat (`repeat`): it comes back `every` after each time it is
/// popped, placed as if the handler of the one popped had scheduled it before anything else
/// (a fleet's yearly inspection, which each of its devices meets twenty times in twenty
/// years while only a few events of its own are pending).
#[derive(Debug)]
pub struct Local<E> {
    now: Ticks,
    /// Pending events with the order they were scheduled in.
    pending: Vec<(Ticks, u64, E)>,
    /// Where the earliest pending event is (by time, then order).
    first: Option<usize>,
    repeating: Option<Repeating<E>>,
    scheduled: u64,
    popped: u64,
}

#[derive(Clone, Copy, Debug)]
struct Repeating<E> {
    at: Ticks,
    order: u64,
    every: Ticks,
    event: E,
}

impl<E> Default for Local<E> {
    fn default() -> Self {
        Local {
            now: 0,
            pending: Vec::new(),
            first: None,
            repeating: None,
            scheduled: 0,
            popped: 0,
        }
    }
}

impl<E: Copy> Local<E> {
    /// Forgets every pending event and starts again at time 0 (the count of events popped
    /// goes on).
    pub fn clear(&mut self) {
        self.now = 0;
        self.pending.clear();
        self.first = None;
        self.repeating = None;
        self.scheduled = 0;
    }

    /// Schedules `event` at `at`, then again `every` after each time it is popped (`every` is
    /// at least one tick).
    pub fn repeat(&mut self, at: Ticks, every: Ticks, event: E) {
        self.repeating = Some(Repeating {
            at: at.max(self.now),
            order: self.scheduled,
            every: every.max(1),
            event,
        });
        self.scheduled += 1;
    }

    /// Pops the earliest event strictly before `horizon` (the first scheduled among equals),
    /// advancing the clock to it.
    pub fn next_before(&mut self, horizon: Ticks) -> Option<E> {
        let first = self.first.map(|i| self.pending[i]);
        if let Some(r) = self.repeating
            && first.is_none_or(|(time, order, _)| (r.at, r.order) < (time, order))
        {
            if r.at >= horizon {
                return None;
            }
            self.now = r.at;
            self.popped += 1;
            self.repeating = Some(Repeating {
                at: r.at.saturating_add(r.every),
                order: self.scheduled,
                ..r
            });
            self.scheduled += 1;
            return Some(r.event);
        }
        let (time, _, event) = first?;
        if time >= horizon {
            return None;
        }
        self.pending.swap_remove(self.first.unwrap_or(0));
        self.first = (0..self.pending.len()).min_by_key(|&i| {
            let (time, order, _) = self.pending[i];
            (time, order)
        });
        self.now = time;
        self.popped += 1;
        Some(event)
    }

    /// Events popped since the agenda was made: what the run's scheduler would have counted.
    pub fn popped(&self) -> u64 {
        self.popped
    }
}

impl<E: Copy> Agenda<E> for Local<E> {
    #[inline]
    fn now(&self) -> Ticks {
        self.now
    }

    #[inline]
    fn schedule_at(&mut self, time: Ticks, event: E) {
        debug_assert!(time >= self.now, "event scheduled in the past");
        let entry = (time.max(self.now), self.scheduled, event);
        self.scheduled += 1;
        self.pending.push(entry);
        let earlier = |i: usize| (entry.0, entry.1) < (self.pending[i].0, self.pending[i].1);
        if self.first.is_none_or(earlier) {
            self.first = Some(self.pending.len() - 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Model;
    use crate::engine::sim::tests::Recorder;
    use proptest::prelude::*;

    /// A model whose event `REPEAT` schedules itself again `every` later before anything else.
    struct Repeater {
        seen: Vec<(Ticks, u32)>,
        every: Ticks,
        /// Per other event: (delay, event) it schedules when handled.
        follow: Vec<Option<(Ticks, u32)>>,
    }

    const REPEAT: u32 = u32::MAX;

    impl Model for Repeater {
        type Event = u32;
        fn handle(&mut self, sched: &mut Scheduler<u32>, event: u32) {
            self.seen.push((sched.now(), event));
            if event == REPEAT {
                sched.schedule_at(sched.now() + self.every, REPEAT);
            } else if let Some(Some((delay, next))) = self.follow.get(event as usize) {
                sched.schedule_at(sched.now() + delay, *next);
            }
        }
    }

    proptest! {
        /// With an event that repeats and events that schedule others, a local agenda pops in
        /// the scheduler's order.
        #[test]
        fn repeats_in_the_schedulers_order(
            times in proptest::collection::vec(0u64..40, 0..20),
            follow in proptest::collection::vec(proptest::option::of((1u64..12, 0u32..20)), 20),
            first in 0u64..10,
            every in 1u64..8,
            horizon in 0u64..60,
        ) {
            let mut sched = Scheduler::default();
            let mut local = Local::default();
            for (i, &t) in times.iter().enumerate() {
                Agenda::schedule_at(&mut sched, t, i as u32);
                local.schedule_at(t, i as u32);
            }
            Agenda::schedule_at(&mut sched, first, REPEAT);
            local.repeat(first, every, REPEAT);
            let mut model = Repeater { seen: vec![], every, follow: follow.clone() };
            sched.run(&mut model, horizon);
            let mut seen = vec![];
            while let Some(e) = local.next_before(horizon) {
                seen.push((local.now(), e));
                if e != REPEAT && let Some(Some((delay, next))) = follow.get(e as usize) {
                    local.schedule_at(local.now() + delay, *next);
                }
            }
            prop_assert_eq!(&seen, &model.seen);
            prop_assert_eq!(local.popped(), sched.processed());
        }

        /// Whatever is scheduled, a local agenda pops it in the scheduler's order and stops at
        /// the same horizon.
        #[test]
        fn pops_in_the_schedulers_order(
            times in proptest::collection::vec(0u64..50, 0..60),
            horizon in 0u64..60,
        ) {
            let mut sched = Scheduler::default();
            let mut local = Local::default();
            for (i, &t) in times.iter().enumerate() {
                Agenda::schedule_at(&mut sched, t, i as u32);
                local.schedule_at(t, i as u32);
            }
            let mut model = Recorder { seen: vec![] };
            sched.run(&mut model, horizon);
            let mut seen = vec![];
            while let Some(e) = local.next_before(horizon) {
                seen.push((local.now(), e));
            }
            prop_assert_eq!(&seen, &model.seen);
            prop_assert_eq!(local.popped(), sched.processed());
        }
    }

    #[test]
    fn events_scheduled_while_popping_keep_their_place_among_equals() {
        let mut local = Local::default();
        local.schedule_at(5, 1u32);
        local.schedule_at(5, 2);
        assert_eq!(local.next_before(10), Some(1));
        local.schedule_at(5, 3);
        assert_eq!(local.next_before(10), Some(2));
        assert_eq!(local.next_before(10), Some(3));
        assert_eq!(local.next_before(10), None);
        local.clear();
        assert_eq!(local.now(), 0);
        assert_eq!(local.popped(), 3);
    }
}
