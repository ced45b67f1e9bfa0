//! A fleet's device state changes known before the run (its lives lived ahead,
//! `life/ahead.rs`), in time order: the fleet's counts move through them as flow mode
//! integrates its device-time, instead of an event each.
//!
//! A change is one `u64`: its time above [`TIME_SHIFT`] bits, then the state left and the state
//! entered, four bits each. Eight bytes a change, read once, in order.

use crate::engine::Ticks;

/// Bits below a change's time: the two states.
const TIME_SHIFT: u32 = 8;
const STATE_BITS: u32 = 4;
const STATE_MASK: u64 = (1 << STATE_BITS) - 1;

/// The latest time a change can carry: 2^56 µs, over two thousand years (horizons are at most
/// a thousand).
pub(in crate::model::world) const LATEST: Ticks = (1 << (64 - TIME_SHIFT)) - 1;

#[derive(Debug, Default)]
pub(in crate::model::world) struct Timeline {
    changes: Vec<u64>,
    /// The first change not yet applied.
    next: usize,
}

impl Timeline {
    /// Adds a device's move from state `from` to `to` at `at` (in any order: [`Timeline::sort`]
    /// puts them in time order before the run).
    pub(in crate::model::world) fn record(&mut self, at: Ticks, from: usize, to: usize) {
        debug_assert!(at <= LATEST && from as u64 <= STATE_MASK && to as u64 <= STATE_MASK);
        self.changes
            .push(at << TIME_SHIFT | (from as u64) << STATE_BITS | to as u64);
    }

    /// The changes so far in time order, in a timeline of their own and of their exact size;
    /// this one is left empty, its room kept for the next. Changes at the same instant may
    /// come in any order: the counts they leave are the same, and no device-time passes
    /// between them.
    pub(in crate::model::world) fn take_sorted(&mut self) -> Timeline {
        self.changes.sort_unstable();
        let changes = self.changes.as_slice().to_vec();
        self.changes.clear();
        Timeline { changes, next: 0 }
    }

    /// The next change strictly before `now` (its time, the state left and the state
    /// entered), taken off the timeline.
    #[inline]
    pub(super) fn next_before(&mut self, now: Ticks) -> Option<(Ticks, usize, usize)> {
        let &change = self.changes.get(self.next)?;
        let at = change >> TIME_SHIFT;
        if at >= now {
            return None;
        }
        self.next += 1;
        let from = (change >> STATE_BITS & STATE_MASK) as usize;
        let to = (change & STATE_MASK) as usize;
        Some((at, from, to))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_come_back_in_time_order_and_only_before_now() {
        let mut t = Timeline::default();
        t.record(30, 1, 0);
        t.record(10, 0, 1);
        t.record(LATEST, 0, 4);
        let mut t = t.take_sorted();
        assert_eq!(t.next_before(10), None);
        assert_eq!(t.next_before(11), Some((10, 0, 1)));
        assert_eq!(t.next_before(31), Some((30, 1, 0)));
        assert_eq!(t.next_before(LATEST), None);
        assert_eq!(t.next_before(Ticks::MAX), Some((LATEST, 0, 4)));
        assert_eq!(t.next_before(Ticks::MAX), None);
    }
}
