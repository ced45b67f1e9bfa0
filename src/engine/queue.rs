//! The pending-event set: a radix heap ordered by (time, insertion sequence).
//!
//! Simulation time never goes backwards, so the queue can be a monotone priority queue: a
//! radix heap keeps events in 65 buckets by the highest bit in which their time differs from
//! the last time taken out. Pushing is an append; taking out rescans one bucket at a time and
//! moves each event a few times over its life. All accesses are sequential, which is what
//! matters once the queue outgrows the L2 cache (a fleet of 100,000 devices keeps about
//! 200,000 events pending). BENCHMARKS.md has the figures against a 4-ary heap.
//!
//! Ties in time come out in the order they were scheduled: bucket 0 holds events at exactly
//! the last time, in sequence order, and is emptied front to back.

use super::time::Ticks;

/// Identifies one scheduled event: its insertion sequence number, unique within a queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventId(pub u64);

#[derive(Clone, Copy, Debug)]
struct Entry<E> {
    time: Ticks,
    seq: u64,
    event: E,
}

const BUCKETS: usize = 65;

/// A monotone priority queue of `Copy` events keyed by (time, insertion sequence).
///
/// Events may be pushed at any time at or after the last one popped; pushing earlier than that
/// is allowed but costs a rebuild.
#[derive(Clone, Debug)]
pub struct EventQueue<E> {
    buckets: Vec<Vec<Entry<E>>>,
    /// The earliest time in each bucket (meaningless for empty buckets), kept on push so that
    /// a refill needs one pass, not two.
    mins: [Ticks; BUCKETS],
    /// Bucket 0 is consumed from this index onwards (a FIFO without shifting).
    head: usize,
    /// Every pending event's time is at least this; bucket indices are relative to it.
    last: Ticks,
    len: usize,
    next_seq: u64,
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::with_capacity(0)
    }
}

#[inline(always)]
fn bucket_of(time: Ticks, last: Ticks) -> usize {
    (u64::BITS - (time ^ last).leading_zeros()) as usize
}

impl<E: Copy> EventQueue<E> {
    /// A queue that expects about `capacity` pending events.
    pub fn with_capacity(capacity: usize) -> Self {
        let mut buckets: Vec<Vec<Entry<E>>> = (0..BUCKETS).map(|_| Vec::new()).collect();
        // Far-future events (failures, outages) collect in the top buckets; near ones low down.
        buckets[BUCKETS - 1].reserve(capacity);
        EventQueue { buckets, mins: [Ticks::MAX; BUCKETS], head: 0, last: 0, len: 0, next_seq: 0 }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes held by the queue's storage (for memory estimates).
    pub fn allocated_bytes(&self) -> usize {
        self.buckets.iter().map(|b| b.capacity()).sum::<usize>() * std::mem::size_of::<Entry<E>>()
    }

    /// Adds an event; among events at the same time it comes out after those pushed earlier.
    #[inline]
    pub fn push(&mut self, time: Ticks, event: E) -> EventId {
        let seq = self.next_seq;
        self.next_seq += 1;
        if time < self.last {
            self.rebase(time);
        }
        self.place(Entry { time, seq, event });
        self.len += 1;
        EventId(seq)
    }

    #[inline(always)]
    fn place(&mut self, e: Entry<E>) {
        let b = bucket_of(e.time, self.last);
        let bucket = &mut self.buckets[b];
        if bucket.is_empty() || e.time < self.mins[b] {
            self.mins[b] = e.time;
        }
        bucket.push(e);
    }

    /// Time of the earliest pending event.
    #[inline]
    pub fn peek_time(&mut self) -> Option<Ticks> {
        self.settle().then_some(self.last)
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(Ticks, EventId, E)> {
        if !self.settle() {
            return None;
        }
        let bucket = &mut self.buckets[0];
        let e = bucket[self.head];
        self.head += 1;
        if self.head == bucket.len() {
            bucket.clear();
            self.head = 0;
        }
        self.len -= 1;
        Some((e.time, EventId(e.seq), e.event))
    }

    /// Makes bucket 0 hold the earliest events, if there are any. Returns false when empty.
    #[inline]
    fn settle(&mut self) -> bool {
        if self.head < self.buckets[0].len() {
            return true;
        }
        if self.len == 0 {
            return false;
        }
        self.refill();
        true
    }

    /// Empties the lowest non-empty bucket into lower ones around its minimum time.
    #[cold]
    fn refill(&mut self) {
        let Some(i) = (1..BUCKETS).find(|&i| !self.buckets[i].is_empty()) else { return };
        let mut source = std::mem::take(&mut self.buckets[i]);
        self.last = self.mins[i];
        for e in source.drain(..) {
            self.place(e);
        }
        // Events that tie at the new minimum came from one bucket in arbitrary order.
        if self.buckets[0].len() > 1 {
            self.buckets[0].sort_unstable_by_key(|e| e.seq);
        }
        // Give the emptied buffer back so its capacity is reused.
        self.buckets[i] = source;
    }

    /// Re-buckets everything relative to an earlier time (only when pushing into the past of
    /// the last pop, which a running simulation never does).
    #[cold]
    fn rebase(&mut self, time: Ticks) {
        let mut all: Vec<Entry<E>> = Vec::with_capacity(self.len);
        let head = self.head;
        for (i, bucket) in self.buckets.iter_mut().enumerate() {
            let skip = if i == 0 { head } else { 0 };
            all.extend(bucket.drain(..).skip(skip));
        }
        self.head = 0;
        self.last = time;
        all.sort_unstable_by_key(|e| (e.time, e.seq));
        for e in all {
            self.place(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    #[test]
    fn ties_come_out_in_insertion_order() {
        let mut q = EventQueue::default();
        for i in 0..100u32 {
            q.push(5, i);
        }
        let order: Vec<u32> = std::iter::from_fn(|| q.pop().map(|(_, _, e)| e)).collect();
        assert_eq!(order, (0..100).collect::<Vec<_>>());
    }

    proptest! {
        /// The heap agrees with an obviously right reference (a sorted map) on any interleaving
        /// of pushes and pops.
        #[test]
        fn agrees_with_a_sorted_map(ops in prop::collection::vec((any::<bool>(), 0u64..50), 0..400)) {
            let mut q = EventQueue::default();
            let mut reference = BTreeMap::new();
            let mut now: u64 = 0;
            for (i, (is_push, dt)) in ops.into_iter().enumerate() {
                if is_push {
                    // Mostly in the future; sometimes in the past of the last pop.
                    let t = if dt % 7 == 6 { now.saturating_sub(dt) } else { now + dt };
                    let id = q.push(t, i);
                    reference.insert((t, id.0), i);
                } else {
                    let expected = reference.pop_first();
                    let got = q.pop();
                    prop_assert_eq!(got.map(|(t, id, e)| ((t, id.0), e)), expected);
                    if let Some((t, _, _)) = got { now = t; }
                    prop_assert_eq!(q.len(), reference.len());
                }
            }
        }
    }
}
