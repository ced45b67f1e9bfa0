//! The pending-event set: a 4-ary min-heap ordered by (time, insertion sequence).
//!
//! Ties in time come out in the order they were scheduled, so a run never depends on how the
//! heap happens to break them. A 4-ary heap is shallower than a binary one and its four children
//! share a cache line pair, which matters once the queue outgrows the L2 cache (a fleet of
//! 100,000 devices keeps about 200,000 events pending); see BENCHMARKS.md.

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

impl<E> Entry<E> {
    #[inline(always)]
    fn before(&self, other: &Self) -> bool {
        (self.time, self.seq) < (other.time, other.seq)
    }
}

const ARITY: usize = 4;

/// A priority queue of `Copy` events keyed by (time, insertion sequence).
#[derive(Clone, Debug)]
pub struct EventQueue<E> {
    heap: Vec<Entry<E>>,
    next_seq: u64,
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::with_capacity(0)
    }
}

impl<E: Copy> EventQueue<E> {
    /// A queue with room for `capacity` pending events before it reallocates.
    pub fn with_capacity(capacity: usize) -> Self {
        EventQueue {
            heap: Vec::with_capacity(capacity),
            next_seq: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Bytes held by the queue's storage (for memory estimates).
    pub fn allocated_bytes(&self) -> usize {
        self.heap.capacity() * std::mem::size_of::<Entry<E>>()
    }

    /// Time of the earliest pending event.
    pub fn peek_time(&self) -> Option<Ticks> {
        self.heap.first().map(|e| e.time)
    }

    /// Adds an event; among events at the same time it comes out after those pushed earlier.
    #[inline]
    pub fn push(&mut self, time: Ticks, event: E) -> EventId {
        let seq = self.next_seq;
        self.next_seq += 1;
        let entry = Entry { time, seq, event };
        self.heap.push(entry);
        self.sift_up(self.heap.len() - 1, entry);
        EventId(seq)
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(Ticks, EventId, E)> {
        let last = self.heap.pop()?;
        let top = if self.heap.is_empty() {
            last
        } else {
            let top = self.heap[0];
            self.sift_down(last);
            top
        };
        Some((top.time, EventId(top.seq), top.event))
    }

    /// Moves the hole at `index` up until `entry` fits, then places it.
    #[inline(always)]
    fn sift_up(&mut self, mut index: usize, entry: Entry<E>) {
        while index > 0 {
            let parent = (index - 1) / ARITY;
            if entry.before(&self.heap[parent]) {
                self.heap[index] = self.heap[parent];
                index = parent;
            } else {
                break;
            }
        }
        self.heap[index] = entry;
    }

    /// Places `entry` (the former last element) starting from a hole at the root.
    #[inline(always)]
    fn sift_down(&mut self, entry: Entry<E>) {
        let len = self.heap.len();
        let mut index = 0;
        loop {
            let first = index * ARITY + 1;
            if first >= len {
                break;
            }
            let end = (first + ARITY).min(len);
            let mut best = first;
            for child in first + 1..end {
                if self.heap[child].before(&self.heap[best]) {
                    best = child;
                }
            }
            if self.heap[best].before(&entry) {
                self.heap[index] = self.heap[best];
                index = best;
            } else {
                break;
            }
        }
        self.heap[index] = entry;
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
            let mut now = 0;
            for (i, (is_push, dt)) in ops.into_iter().enumerate() {
                if is_push {
                    let id = q.push(now + dt, i);
                    reference.insert((now + dt, id.0), i);
                } else {
                    let expected = reference.pop_first();
                    let got = q.pop();
                    prop_assert_eq!(got.map(|(t, id, e)| ((t, id.0), e)), expected);
                    if let Some((t, _, _)) = got { now = t; }
                }
            }
        }
    }
}
