//! Fixed-delay lanes: events scheduled a fixed delay after the moment they are scheduled (a
//! message's arrival at the end of a link of fixed latency) come out in the order they went in,
//! so each delay's events need no sorting: a first-in, first-out lane per delay, merged with
//! the event queue by the scheduler.
//!
//! In the peer model (benches/peer.rs) half the events are arrivals 50 ms after their report.
//! Through the queue each was filed, then sorted into its sorted bottom with a `memmove`; in a
//! lane it is an append and a pop, and the run took a sixth less time at 10,000 devices
//! (BENCHMARKS.md, issue 21, session 9).
//!
//! Ties keep the scheduler's rule (events at one time come out in the order they were
//! scheduled) without a stored sequence number:
//! - among lanes, the event of the longer delay at a time was scheduled earlier (at that time
//!   less its delay), so it goes first;
//! - the queue's events go before the lanes' at their time, which is right for every queued
//!   event scheduled before them; when the queue is given an event at a time some lane's
//!   events share, those were scheduled earlier, so they move to the queue first, ahead of it
//!   ([`Lanes::yield_ties`]). Such a tie is rare (an arrival and another event at the same
//!   microsecond), and checking for one costs a comparison with each lane's last time: a
//!   report scheduled a minute ahead is past every lane's last arrival.

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
/// (so in time order).
#[derive(Clone, Debug)]
pub(super) struct Lanes<E> {
    lanes: Vec<(Ticks, VecDeque<(Ticks, E)>)>,
    len: usize,
}

impl<E> Default for Lanes<E> {
    fn default() -> Self {
        Lanes {
            lanes: Vec::new(),
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
        let events = &mut self.lanes[usize::from(lane.0)].1;
        debug_assert!(events.back().is_none_or(|&(last, _)| last <= time));
        events.push_back((time, event));
        self.len += 1;
    }

    /// Before the queue is given an event at `time`: moves the lanes' events at `time`, all
    /// scheduled before it, into the queue (in their order: longer delays first, each lane's
    /// in its own order), so that they come out before it.
    #[inline(always)]
    pub(super) fn yield_ties(&mut self, time: Ticks, queue: &mut EventQueue<E>) {
        let spans = |(_, events): &(Ticks, VecDeque<(Ticks, E)>)| {
            matches!((events.front(), events.back()), (Some(&(first, _)), Some(&(last, _))) if first <= time && time <= last)
        };
        if self.lanes.iter().any(spans) {
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
    }

    /// The lane whose first event goes next among the lanes, and its time: the earliest, and
    /// of equal times the lane of the longest delay.
    #[inline(always)]
    pub(super) fn next(&self) -> Option<(Ticks, usize)> {
        let mut best: Option<(Ticks, Ticks, usize)> = None;
        for (i, (delay, events)) in self.lanes.iter().enumerate() {
            if let Some(&(time, _)) = events.front()
                && best.is_none_or(|(t, d, _)| time < t || (time == t && *delay > d))
            {
                best = Some((time, *delay, i));
            }
        }
        best.map(|(time, _, i)| (time, i))
    }

    /// Removes the first event of lane `i` (named by [`Lanes::next`]).
    #[inline(always)]
    pub(super) fn pop(&mut self, i: usize) -> Option<(Ticks, E)> {
        let e = self.lanes.get_mut(i)?.1.pop_front()?;
        self.len -= 1;
        Some(e)
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
