//! Fixed-delay lanes: events scheduled a fixed delay after the moment they are scheduled (a
//! message's arrival at the end of a link of fixed latency) come out in the order they went in,
//! so each delay's events need no sorting: a first-in, first-out lane per delay, merged with
//! the event queue by the scheduler.
//!
//! In the peer model (benches/peer.rs) half the events are arrivals 50 ms after their report.
//! Through the queue each was filed, then sorted into its sorted bottom with a `memmove`; in a
//! lane it is an append and a pop, and the run took a fifth less time at 10,000 devices
//! (BENCHMARKS.md, issue 21, session 9).
//!
//! Ties keep the scheduler's rule (events at one time come out in the order they were
//! scheduled) without a stored sequence number:
//! - among lanes, the event of the longer delay at a time was scheduled earlier (at that time
//!   less its delay), so it goes first;
//! - the queue's events go before the lanes' at their time, which is right for every queued
//!   event scheduled before them; when the queue is given an event at a time some lane's
//!   events share, those were scheduled earlier, so they move to the queue first, ahead of it
//!   (`Lanes::yield_ties`). Such a tie is rare (an arrival and another event at the same
//!   microsecond), and checking for one costs one comparison with the span of the lanes'
//!   times: a report scheduled a minute ahead is past every lane's last arrival.

use std::collections::VecDeque;

use super::queue::EventQueue;
use super::time::Ticks;

/// A lane of the scheduler, named by [`super::Scheduler::lane`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lane(u8);

/// At most this many lanes (distinct delays) a scheduler keeps: the run loop looks at every
/// lane's first event for every event it hands out, so a model with more fixed delays sends
/// the rest through the queue.
pub const MAX_LANES: usize = 4;

/// The lanes of one scheduler: each delay's pending events, in the order they were scheduled
/// (so in time order), and where the next of them is, kept up to date so that the run loop
/// reads it in one load.
#[derive(Clone, Debug)]
pub(super) struct Lanes<E> {
    /// Each lane's delay and events.
    lanes: Vec<(Ticks, VecDeque<(Ticks, E)>)>,
    /// The time of the lanes' next event ([`Ticks::MAX`] when they are empty), and its lane.
    next: Ticks,
    next_lane: usize,
    /// No lane holds an event after this time (0 when they are empty).
    last: Ticks,
    len: usize,
}

impl<E> Default for Lanes<E> {
    fn default() -> Self {
        Lanes {
            lanes: Vec::new(),
            next: Ticks::MAX,
            next_lane: 0,
            last: 0,
            len: 0,
        }
    }
}

impl<E: Copy> Lanes<E> {
    /// The lane of events `delay` after they are scheduled, opened if there is none yet and
    /// room for one; `None` when [`MAX_LANES`] lanes of other delays are open.
    pub(super) fn lane(&mut self, delay: Ticks) -> Option<Lane> {
        if let Some(i) = self.lanes.iter().position(|(d, _)| *d == delay) {
            return Some(Lane(i as u8));
        }
        if self.lanes.len() == MAX_LANES {
            return None;
        }
        self.lanes.push((delay, VecDeque::new()));
        Some(Lane((self.lanes.len() - 1) as u8))
    }

    /// Whether any lane is open (a scheduler without lanes runs the queue alone).
    #[inline(always)]
    pub(super) fn is_open(&self) -> bool {
        !self.lanes.is_empty()
    }

    /// The delay of `lane`.
    #[inline(always)]
    pub(super) fn delay(&self, lane: Lane) -> Ticks {
        self.lanes[usize::from(lane.0)].0
    }

    /// Appends an event at `time` (its lane's delay after now, so at or after its lane's last).
    #[inline(always)]
    pub(super) fn push(&mut self, lane: Lane, time: Ticks, event: E) {
        let i = usize::from(lane.0);
        let (delay, events) = &mut self.lanes[i];
        debug_assert!(events.back().is_none_or(|&(last, _)| last <= time));
        events.push_back((time, event));
        let delay = *delay;
        if self.len == 0
            || time < self.next
            || (time == self.next && delay > self.lanes[self.next_lane].0)
        {
            self.next = time;
            self.next_lane = i;
        }
        self.last = self.last.max(time);
        self.len += 1;
    }

    /// The time of the lanes' next event, [`Ticks::MAX`] if they have none.
    #[inline(always)]
    pub(super) fn next_time(&self) -> Ticks {
        self.next
    }

    /// Removes the lanes' next event: the earliest, and of equal times the one of the longest
    /// delay.
    #[inline(always)]
    pub(super) fn pop(&mut self) -> Option<(Ticks, E)> {
        let e = self.lanes.get_mut(self.next_lane)?.1.pop_front()?;
        self.len -= 1;
        self.find_next();
        Some(e)
    }

    /// Points `next` at the lanes' next event.
    #[inline(always)]
    fn find_next(&mut self) {
        if self.len == 0 {
            self.last = 0;
        }
        self.next = Ticks::MAX;
        let mut delay = 0;
        for (i, (d, events)) in self.lanes.iter().enumerate() {
            if let Some(&(time, _)) = events.front()
                && (time < self.next || (time == self.next && *d > delay))
            {
                (self.next, self.next_lane, delay) = (time, i, *d);
            }
        }
    }

    /// Before the queue is given an event at `time`: moves the lanes' events at `time`, all
    /// scheduled before it, into the queue (in their order: longer delays first, each lane's
    /// in its own order), so that they come out before it.
    #[inline(always)]
    pub(super) fn yield_ties(&mut self, time: Ticks, queue: &mut EventQueue<E>) {
        // `next <= time <= last` in one comparison, as this is inlined at every place a model
        // schedules: a report's next, a failure's repair and the like are after every lane's
        // events. With the lanes empty (`next` at the end of time, `last` at 0) it holds only
        // at the ends of time, and finds nothing to move.
        if time.wrapping_sub(self.next) <= self.last.wrapping_sub(self.next) {
            self.move_ties(time, queue);
        }
    }

    #[cold]
    #[inline(never)]
    fn move_ties(&mut self, time: Ticks, queue: &mut EventQueue<E>) {
        let mut order: Vec<usize> = (0..self.lanes.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(self.lanes[i].0));
        for i in order {
            let events = &mut self.lanes[i].1;
            let from = events.partition_point(|&(t, _)| t < time);
            let to = events.partition_point(|&(t, _)| t <= time);
            for (t, e) in events.drain(from..to) {
                queue.push(t, e);
                self.len -= 1;
            }
        }
        self.find_next();
    }

    /// Events pending in all lanes.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Bytes the lanes hold.
    pub(super) fn allocated_bytes(&self) -> usize {
        let entries: usize = self.lanes.iter().map(|(_, l)| l.capacity()).sum();
        entries * std::mem::size_of::<(Ticks, E)>()
            + self.lanes.capacity() * std::mem::size_of::<(Ticks, VecDeque<(Ticks, E)>)>()
    }
}
