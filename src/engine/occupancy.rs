//! Which slots of one of the event queue's wide levels hold events: a bitmap of a few words,
//! read in order to find the lowest.

/// Slots a wide level has: 2^8.
pub(super) const WIDE_SLOTS: usize = 1 << 8;

const WORDS: usize = WIDE_SLOTS / 64;

/// One bit a slot.
#[derive(Clone, Debug, Default)]
pub(super) struct WideOccupancy {
    words: [u64; WORDS],
}

impl WideOccupancy {
    #[inline(always)]
    pub(super) fn set(&mut self, slot: usize) {
        self.words[slot / 64 % WORDS] |= 1 << (slot % 64);
    }

    /// Clears a slot's bit; returns true when no slot is left occupied.
    #[inline(always)]
    pub(super) fn clear(&mut self, slot: usize) -> bool {
        self.words[slot / 64 % WORDS] &= !(1 << (slot % 64));
        self.words.iter().all(|&w| w == 0)
    }

    /// The lowest occupied slot at or after `from`, if any.
    pub(super) fn next_from(&self, from: usize) -> Option<usize> {
        let first = from / 64;
        (first..WORDS).find_map(|word| {
            let bits = if word == first {
                self.words[word] & (u64::MAX << (from % 64))
            } else {
                self.words[word]
            };
            (bits != 0).then(|| word * 64 + bits.trailing_zeros() as usize)
        })
    }

    /// The lowest occupied slot, if any.
    #[inline(always)]
    pub(super) fn first(&self) -> Option<usize> {
        self.next_from(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    proptest! {
        /// Agrees with a sorted set on the lowest slot, the next from any point, and emptiness.
        #[test]
        fn agrees_with_a_sorted_set(ops in prop::collection::vec((any::<bool>(), 0..WIDE_SLOTS, 0..WIDE_SLOTS + 2), 0..300)) {
            let mut bits = WideOccupancy::default();
            let mut reference = BTreeSet::new();
            for (insert, slot, from) in ops {
                if insert {
                    bits.set(slot);
                    reference.insert(slot);
                } else if reference.remove(&slot) {
                    prop_assert_eq!(bits.clear(slot), reference.is_empty());
                }
                prop_assert_eq!(bits.first(), reference.first().copied());
                prop_assert_eq!(bits.next_from(from), reference.range(from..).next().copied());
            }
        }
    }

    #[test]
    fn finds_slots_across_words() {
        let mut bits = WideOccupancy::default();
        assert_eq!(bits.first(), None);
        for slot in [5, 64 + 3, WIDE_SLOTS - 1] {
            bits.set(slot);
        }
        assert_eq!(bits.first(), Some(5));
        assert_eq!(bits.next_from(6), Some(64 + 3));
        assert_eq!(bits.next_from(64 + 4), Some(WIDE_SLOTS - 1));
        assert!(!bits.clear(5));
        assert!(!bits.clear(64 + 3));
        assert_eq!(bits.first(), Some(WIDE_SLOTS - 1));
        assert!(bits.clear(WIDE_SLOTS - 1));
        assert_eq!(bits.first(), None);
    }
}
