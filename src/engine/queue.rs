//! The pending-event set: a hierarchical radix queue (a timing wheel) ordered by time, ties in
//! the order they were pushed.
//!
//! Simulation time never goes backwards, so the queue can be a monotone priority queue. Times
//! are 64-bit integers read as 10 digits: six of 6 bits (up to 2^36 µs, 19 hours), two of 8
//! bits (the *wide* levels, up to 2^52 µs, 142 years: for lifecycles of years), then two of 6.
//! An event is filed in the slot named by the highest digit in which its time differs from a
//! reference time `last` (the *level*) and by its own value of that digit (the *slot*): 10
//! levels of unsorted slots, 64 to a level but the wide levels' 256, with a bitmap of occupied
//! slots per level (one word, or four for a wide level). Pushing is an append.
//!
//! The next events are kept apart in a short sorted run, the *bottom*. When it runs dry, the
//! lowest occupied slot becomes the new bottom if it is small (it is sorted, then popped from
//! the end) or if its events spread thinly over the next digit down (a counting sort on that
//! digit, so a sparse fleet refills once per slot of level 3 rather than once per slot of
//! level 2); any other is first redistributed one level down around its earliest time (a
//! *cascade*). So an event is moved a few times over its life, never compared against more
//! than a handful of others, and every access is sequential or inside a few small arrays. That
//! is what matters once the queue outgrows the L2 cache (a fleet of 100,000 devices keeps about
//! 200,000 events pending). Against the binary radix heap this replaced, which moved each event
//! about once per bit of distance, the peer model (benches/peer.rs) ran 2.3x faster at 10,000
//! devices and 1.3x at 100,000; the hold model (benches/engine.rs) came out even.
//!
//! Ties in time come out in the order they were scheduled without storing a sequence number
//! (which would make an entry 24 bytes instead of 16, a third of the queue's memory): events
//! with the same time always share one container (the same slot, or the bottom), and every
//! container keeps them in push order. Pushing appends; a cascade moves a slot's events in
//! order into slots that are empty (every lower level is empty when a slot cascades); a push
//! into the bottom goes after the events of its time; a slot becomes the bottom by a *stable*
//! sort on time; a rebuild (a push into the past) sorts stably too. The property tests below
//! check this against a sorted map keyed by (time, push number).

use super::occupancy::{WIDE_SLOTS, WideOccupancy};
use super::time::Ticks;

#[derive(Clone, Copy, Debug)]
struct Entry<E> {
    time: Ticks,
    event: E,
}

/// Bits per digit of every level but the wide one: 64 slots a level, so a level's occupancy
/// is one `u64`. 4 and 5 bits measured about the same.
const DIGIT_BITS: u32 = 6;
const SLOTS: usize = 1 << DIGIT_BITS;

/// The two levels whose digits are 8 bits wide ([`WIDE_SLOTS`] slots each): 19-hour slots
/// spanning 203 days, then 203-day slots spanning 142 years. An event years ahead (a failure,
/// a degradation onset) comes down two cascades rather than three 6-bit levels of 8.9 years,
/// 50 days and 19 hours, each of which wrote it into a chunk once more. Wider still measured
/// worse: with one level of 2^14 slots of 19 hours, pushes at national scale scattered over
/// thousands of slots, a cache miss each (BENCHMARKS.md, issue 21, session 7). Below them, the
/// near future of packet mode is as it was.
const FIRST_WIDE: usize = 6;
const WIDE_LEVELS: usize = 2;

/// Digit width of each level, lowest first: six of 6 bits (up to 2^36 µs), the two wide
/// levels, then two of 6 bits.
const WIDTHS: [u32; LEVELS] = [6, 6, 6, 6, 6, 6, 8, 8, 6, 6];
const LEVELS: usize = 10;
const OCCUPIED_WORDS: usize = (u64::BITS / DIGIT_BITS) as usize + 1;

/// Where each level's digit starts (its lowest bit) and its slots start in `slots`.
const SHIFTS: [u32; LEVELS] = {
    let mut shifts = [0; LEVELS];
    let mut level = 1;
    while level < LEVELS {
        shifts[level] = shifts[level - 1] + WIDTHS[level - 1];
        level += 1;
    }
    assert!(shifts[LEVELS - 1] + WIDTHS[LEVELS - 1] == u64::BITS);
    assert!(1 << WIDTHS[FIRST_WIDE] == WIDE_SLOTS && 1 << WIDTHS[FIRST_WIDE + 1] == WIDE_SLOTS);
    shifts
};
const BASES: [usize; LEVELS + 1] = {
    let mut bases = [0; LEVELS + 1];
    let mut level = 0;
    while level < LEVELS {
        bases[level + 1] = bases[level] + (1 << WIDTHS[level]);
        level += 1;
    }
    bases
};

/// How an event is filed when the highest bit in which its time differs from `last` is a
/// given bit: the level that bit's digit belongs to, one table load per push.
#[derive(Clone, Copy)]
struct Digit {
    level: u8,
    shift: u8,
    mask: u16,
    base: u16,
}

const DIGIT_OF_BIT: [Digit; 64] = {
    let mut table = [Digit {
        level: 0,
        shift: 0,
        mask: 0,
        base: 0,
    }; 64];
    let mut bit = 0;
    let mut level = 0;
    while bit < 64 {
        if SHIFTS[level] + WIDTHS[level] <= bit as u32 {
            level += 1;
        }
        table[bit] = Digit {
            level: level as u8,
            shift: SHIFTS[level] as u8,
            mask: ((1u32 << WIDTHS[level]) - 1) as u16,
            base: BASES[level] as u16,
        };
        bit += 1;
    }
    table
};

/// A slot with at most this many events becomes the bottom directly (sorting a few events is
/// cheaper than another cascade); so does a bigger one within its head whose events spread
/// with at most this many to each digit of the next level down (a counting sort on that
/// digit); any other is cascaded first. 16 measured best of 4–128 before the counting sort.
const SORT_AT_MOST: usize = 16;

/// A bottom this long is filed back into slots rather than grow by insertion, which costs its
/// length each time: pushes into its range would otherwise make a busy near future quadratic.
/// Above a head's worth ([`CHUNK`]), which a refill may leave in the bottom.
const SPILL_AT: usize = 2 * CHUNK;

/// Entries per chunk (4 KB of 16-byte entries). A slot keeps up to this many events in its
/// own buffer, which it keeps between uses: most slots of a small or medium fleet never hold
/// more, so pushing is one append and a small slot becomes the bottom by a swap. Past that, a
/// slot stores the rest in chunks of this size taken from the queue's own pool and given back
/// when drained. Growing and freeing whole slot buffers instead left the allocator's heap
/// fragmented: at a million devices a fifth of the queue's resident memory was freed buffers
/// (BENCHMARKS.md, Memory). Taking a chunk for every slot, however small, cost the factory
/// scenario 15% of its speed.
const CHUNK: usize = 256;

/// One slot's events in push order: the first [`CHUNK`] in `head`, the rest in full chunks
/// (all but the last) in `more`.
#[derive(Clone, Debug)]
struct Slot<E> {
    head: Vec<Entry<E>>,
    more: Vec<Vec<Entry<E>>>,
}

impl<E> Default for Slot<E> {
    fn default() -> Self {
        Slot {
            head: Vec::new(),
            more: Vec::new(),
        }
    }
}

impl<E: Copy> Slot<E> {
    fn iter(&self) -> impl DoubleEndedIterator<Item = &Entry<E>> {
        self.head.iter().chain(self.more.iter().flatten())
    }
}

/// A monotone priority queue of `Copy` events keyed by time, first in first out within a time.
///
/// Events may be pushed at any time at or after the last one popped; pushing earlier than that
/// is allowed but may cost a rebuild.
#[derive(Clone, Debug)]
pub struct EventQueue<E> {
    /// Every level's unsorted slots, level-major (level `l` from `BASES[l]`). Every event in level `l`, slot `s` agrees
    /// with `last` on all digits above `l`, has digit `l` equal to `s`, and lies at or after
    /// `bottom_end`.
    slots: Vec<Slot<E>>,
    /// Empty chunks (capacity [`CHUNK`]) for slots that outgrow their head. Memory follows the
    /// most events ever pending at once, and never returns to the allocator until the queue is
    /// dropped.
    pool: Vec<Vec<Entry<E>>>,
    /// Per level but the wide one, bit `s` is set when slot `s` is non-empty.
    /// One word more than there are levels, for every level `ilog2 / DIGIT_BITS` can name,
    /// so the near-future push indexes it with no bounds check (the spare word stays zero).
    occupied: [u64; OCCUPIED_WORDS],
    /// The same for the wide levels.
    wide: [WideOccupancy; WIDE_LEVELS],
    /// Bit `l` is set when level `l` has an occupied slot.
    levels: u64,
    /// The earliest events, sorted by descending time and, within a time, pushed last first:
    /// the next one is at the end. All of them lie before `bottom_end` and before every
    /// slot's event: in `[last, bottom_end)`, the range of the slot they came from, unless
    /// pushed later and before `last`.
    bottom: Vec<Entry<E>>,
    /// The reference time slots are indexed against; no pending event is earlier.
    last: Ticks,
    /// Pushes before this time (and not before `last`) go into the bottom.
    bottom_end: Ticks,
    len: usize,
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::with_capacity(0)
    }
}

impl<E: Copy> EventQueue<E> {
    /// A queue that expects about `capacity` pending events: their chunks are allocated up
    /// front, in one go rather than one at a time during the start-up burst.
    pub fn with_capacity(capacity: usize) -> Self {
        EventQueue {
            slots: (0..BASES[LEVELS]).map(|_| Slot::default()).collect(),
            pool: (0..capacity.div_ceil(CHUNK))
                .map(|_| Vec::with_capacity(CHUNK))
                .collect(),
            occupied: [0; OCCUPIED_WORDS],
            wide: Default::default(),
            levels: 0,
            bottom: Vec::new(),
            last: 0,
            bottom_end: 0,
            len: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    /// Makes room for `additional` more pending events without allocating as they come.
    pub fn reserve(&mut self, additional: usize) {
        let chunks = additional.div_ceil(CHUNK);
        self.pool
            .extend((0..chunks).map(|_| Vec::with_capacity(CHUNK)));
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes held by the queue's storage (for memory estimates).
    pub fn allocated_bytes(&self) -> usize {
        let heads: usize = self.slots.iter().map(|s| s.head.capacity()).sum();
        let chunk_lists: usize = self.slots.iter().map(|s| s.more.capacity()).sum();
        let chunks = self.slots.iter().map(|s| s.more.len()).sum::<usize>() + self.pool.len();
        (heads + chunks * CHUNK + self.bottom.capacity()) * std::mem::size_of::<Entry<E>>()
            + (chunk_lists + self.pool.capacity()) * std::mem::size_of::<Vec<Entry<E>>>()
            + self.slots.capacity() * std::mem::size_of::<Slot<E>>()
    }

    /// Adds an event; among events at the same time it comes out after those pushed earlier.
    #[inline]
    pub fn push(&mut self, time: Ticks, event: E) {
        let e = Entry { time, event };
        if time >= self.bottom_end {
            self.place(e);
        } else if self.bottom.len() < SPILL_AT {
            // Before the slots' events: keep it in the sorted bottom. The new event was pushed
            // last, so it goes out after every event at or before `time`. An event before
            // `last` too (the scheduler's lanes can hand out events before the queue's
            // reference time, and a model then schedules after them): every event at its
            // time is here, and all the slots' are later.
            let at = self.bottom.partition_point(|x| x.time > time);
            self.bottom.insert(at, e);
        } else if time >= self.last && self.bottom.last().is_none_or(|x| x.time >= self.last) {
            self.spill_bottom();
            self.place(e);
        } else {
            self.rebase(e);
        }
        self.len += 1;
    }

    /// Files an event at or after `last` in its slot.
    #[inline(always)]
    fn place(&mut self, e: Entry<E>) {
        debug_assert!(e.time >= self.last);
        let differ = e.time ^ self.last;
        if differ >> SHIFTS[FIRST_WIDE] != 0 {
            self.place_far(e, differ);
            return;
        }
        // The near future, six levels of 6 bits: the digit's place is computed, not looked up
        // (a table lookup and its fields cost packet mode 1% more instructions). Equal times
        // and times differing in bit 0 alike go to level 0.
        let level = (differ | 1).ilog2() / DIGIT_BITS;
        let slot = (e.time >> (level * DIGIT_BITS)) as usize & (SLOTS - 1);
        self.append(level as usize * SLOTS + slot, e);
        self.occupied[level as usize] |= 1 << slot;
        self.levels |= 1 << level;
    }

    /// Files an event that differs from `last` at or above the wide levels' digits. Inlined:
    /// out of line, its call and saved registers cost flow mode at national scale 1.4% more
    /// instructions (a lifecycle push is one of these), and packet mode as little either way.
    #[inline(always)]
    fn place_far(&mut self, e: Entry<E>, differ: Ticks) {
        let digit = DIGIT_OF_BIT[differ.ilog2() as usize];
        let slot = (e.time >> digit.shift) as usize & usize::from(digit.mask);
        self.append(usize::from(digit.base) + slot, e);
        let level = usize::from(digit.level);
        if let Some(wide) = self.wide.get_mut(level.wrapping_sub(FIRST_WIDE)) {
            wide.set(slot);
        } else {
            self.occupied[level] |= 1 << slot;
        }
        self.levels |= 1 << level;
    }

    /// Appends to a slot: to its head while it has room and no chunk.
    #[inline(always)]
    fn append(&mut self, index: usize, e: Entry<E>) {
        let target = &mut self.slots[index];
        if target.head.len() < CHUNK && target.more.is_empty() {
            target.head.push(e);
        } else {
            self.append_chunked(index, e);
        }
    }

    /// The lowest occupied slot of an occupied level, its bit cleared (and the level's, if it
    /// was the last).
    #[inline(always)]
    fn take_lowest(&mut self, level: usize) -> usize {
        if let Some(wide) = self.wide.get_mut(level.wrapping_sub(FIRST_WIDE)) {
            let slot = wide.first().unwrap_or(0);
            if wide.clear(slot) {
                self.levels &= !(1 << level);
            }
            return slot;
        }
        let slot = self.occupied[level].trailing_zeros() as usize;
        self.occupied[level] &= !(1 << slot);
        if self.occupied[level] == 0 {
            self.levels &= !(1 << level);
        }
        slot
    }

    /// The lowest occupied slot of a level at or after `from`, if any (reads only).
    #[inline(always)]
    fn occupied_from(&self, level: usize, from: usize) -> Option<usize> {
        if let Some(wide) = self.wide.get(level.wrapping_sub(FIRST_WIDE)) {
            return wide.next_from(from);
        }
        let bits = self
            .occupied
            .get(level)
            .copied()
            .unwrap_or(0)
            .checked_shr(from as u32)
            .unwrap_or(0);
        (bits != 0).then(|| from + bits.trailing_zeros() as usize)
    }

    /// Appends to a slot whose head is full, opening a chunk from the pool when the last is full.
    #[cold]
    #[inline(never)]
    fn append_chunked(&mut self, index: usize, e: Entry<E>) {
        match self.slots[index].more.last_mut() {
            Some(chunk) if chunk.len() < CHUNK => chunk.push(e),
            _ => {
                let mut chunk = self.pool.pop().unwrap_or_else(|| Vec::with_capacity(CHUNK));
                chunk.push(e);
                self.slots[index].more.push(chunk);
            }
        }
    }

    /// Gives a slot's drained chunks back to the pool.
    fn recycle(&mut self, chunks: &mut Vec<Vec<Entry<E>>>) {
        for mut chunk in chunks.drain(..) {
            chunk.clear();
            self.pool.push(chunk);
        }
    }

    /// Time of the earliest pending event.
    #[inline]
    pub fn peek_time(&mut self) -> Option<Ticks> {
        self.settle()
            .then(|| self.bottom[self.bottom.len() - 1].time)
    }

    /// The `ahead`-th next event to pop (1: the next one), or the furthest the sorted bottom
    /// holds if it holds fewer; `None` when the bottom is empty. Only what is already sorted
    /// is looked at, so this costs a load, never a refill.
    #[inline(always)]
    pub fn sorted_ahead(&self, ahead: usize) -> Option<&E> {
        debug_assert!(ahead >= 1);
        let len = self.bottom.len();
        let i = len.checked_sub(1)?.saturating_sub(ahead - 1);
        self.bottom.get(i).map(|e| &e.event)
    }

    /// Events in the sorted bottom (what [`EventQueue::sorted_ahead`] can name for certain).
    #[inline(always)]
    pub fn sorted_len(&self) -> usize {
        self.bottom.len()
    }

    /// A guess at the `ahead`-th next event to pop (1: the next one) when the sorted bottom
    /// holds fewer: past the bottom, the events of the lowest level's occupied slots in slot
    /// order, each slot's in push order (or the furthest it can name, if they hold fewer).
    /// Exact when those slots hold one event each, as in a
    /// sparse far future (flow mode at national scale has about one lifecycle event a level-4
    /// slot, so its bottom is empty or holds one event after almost every pop). For
    /// prefetching only: a few loads, never a refill; `None` when nothing is pending.
    #[inline(always)]
    pub fn guess_ahead(&self, ahead: usize) -> Option<&E> {
        debug_assert!(ahead >= 1);
        let sorted = self.bottom.len();
        if ahead <= sorted {
            return Some(&self.bottom[sorted - ahead].event);
        }
        self.guess_past_bottom(ahead - sorted)
    }

    /// [`EventQueue::guess_ahead`] past the sorted bottom: the `past`-th event (1: the first)
    /// of the lowest level's slots. Out of line, so the run loop that inlines `guess_ahead`
    /// keeps its registers for packet mode, which never asks for this.
    #[inline(never)]
    fn guess_past_bottom(&self, past: usize) -> Option<&E> {
        // Short of that many, the furthest one it can name.
        let mut furthest = self.bottom.first();
        let mut skip = past - 1;
        let level = self.levels.trailing_zeros() as usize;
        let mut from = 0;
        while let Some(at) = self.occupied_from(level, from) {
            let slot = &self.slots[BASES[level] + at];
            match slot.head.get(skip) {
                Some(e) => return Some(&e.event),
                None => skip -= slot.head.len(),
            }
            furthest = slot.head.last().or(furthest);
            from = at + 1;
        }
        furthest.map(|e| &e.event)
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(Ticks, E)> {
        if !self.settle() {
            return None;
        }
        let e = self.bottom.pop()?;
        self.len -= 1;
        Some((e.time, e.event))
    }

    /// Makes the bottom hold the earliest events, if there are any. Returns false when empty.
    #[inline(always)]
    fn settle(&mut self) -> bool {
        if !self.bottom.is_empty() {
            return true;
        }
        if self.len == 0 {
            return false;
        }
        self.refill();
        true
    }

    /// Refills the empty bottom from the lowest occupied slot, cascading large slots first.
    #[cold]
    #[inline(never)]
    fn refill(&mut self) {
        loop {
            let level = self.levels.trailing_zeros() as usize % LEVELS;
            let slot = self.take_lowest(level);
            let index = BASES[level] + slot;
            let source = &self.slots[index];
            let small = source.head.len() <= SORT_AT_MOST;
            // The counting sort needs a 6-bit digit one level down (not the wide level's).
            if level == 0
                || (source.more.is_empty()
                    && (small
                        || (WIDTHS[level - 1] == DIGIT_BITS
                            && self.sort_by_digit(index, SHIFTS[level - 1]))))
            {
                // The slot's whole range becomes the bottom's: every other pending event lies
                // after it. Level-0 slots hold one time each, so they need no range check.
                let shift = SHIFTS[level];
                let above = shift + WIDTHS[level];
                let high = if above >= u64::BITS {
                    0
                } else {
                    self.last >> above << above
                };
                self.last = high | (slot as u64) << shift;
                // At the very top of time the end saturates; an event pushed at Ticks::MAX
                // then goes to a slot, to come out after the bottom, which is still in order.
                self.bottom_end = self.last.saturating_add(1 << shift);
                if level == 0 || small {
                    self.take_bottom(index);
                    // The slot was in push order and the next event goes out from the end, so
                    // it was reversed: a stable sort leaves ties pushed last first. A level-0
                    // slot holds a single time and needs no sort.
                    if level != 0 {
                        sort_small_descending(&mut self.bottom);
                    }
                }
                return;
            }
            // Re-file the slot's events around its earliest time: they agree with it on digit
            // `level` and above, so all land on lower levels, and the earliest on level 0.
            // Each chunk goes back to the pool as soon as it is re-filed, so a cascade needs
            // at most one chunk more than the events it moves.
            let mut source = std::mem::take(&mut self.slots[index]);
            self.last = source.iter().map(|e| e.time).min().unwrap_or(self.last);
            for &e in &source.head {
                self.place(e);
            }
            source.head.clear();
            for mut chunk in source.more.drain(..) {
                for &e in &chunk {
                    self.place(e);
                }
                chunk.clear();
                self.pool.push(chunk);
            }
            self.slots[index] = source;
        }
    }

    /// Sorts a slot of more than [`SORT_AT_MOST`] events, all in its head, into the empty
    /// bottom, if its events spread over the next digit down: a counting sort on that digit,
    /// then an insertion sort that only has each digit's few events to order. Returns false,
    /// leaving everything as it was, when some digit holds more than [`SORT_AT_MOST`] events
    /// (the slot is then cascaded, which files them a level lower).
    ///
    /// This is the refill of a sparse fleet. At 10,000 devices a 262 ms slot of level 3 holds
    /// about 84 events: cascading it filed each event once more and then refilled the bottom
    /// from each of its 4 ms slots of about 1.3 events, a refill for almost every pop
    /// (BENCHMARKS.md, issue 21).
    fn sort_by_digit(&mut self, index: usize, below: u32) -> bool {
        debug_assert!(self.bottom.is_empty());
        let digit = |e: &Entry<E>| (e.time >> below) as usize & (SLOTS - 1);
        let head = &mut self.slots[index].head;
        let mut counts = [0u16; SLOTS];
        for e in head.iter() {
            counts[digit(e)] += 1;
        }
        if counts.iter().any(|&c| usize::from(c) > SORT_AT_MOST) {
            return false;
        }
        // The highest digit first: the bottom is in descending time.
        let mut at = 0u16;
        for count in counts.iter_mut().rev() {
            let c = *count;
            *count = at;
            at += c;
        }
        // Latest pushed first, so each digit's run holds its ties pushed last first.
        self.bottom.resize(head.len(), head[0]);
        for e in head.iter().rev() {
            let d = digit(e);
            self.bottom[usize::from(counts[d])] = *e;
            counts[d] += 1;
        }
        head.clear();
        sort_small_descending(&mut self.bottom);
        true
    }

    /// Moves a slot's events into the empty bottom, latest pushed first. A slot within its
    /// head trades buffers with the bottom (a swap and an in-place reverse, no copy); the
    /// bottom's old buffer becomes the slot's head unless it grew past a chunk.
    fn take_bottom(&mut self, index: usize) {
        debug_assert!(self.bottom.is_empty());
        let slot = &mut self.slots[index];
        if slot.more.is_empty() {
            std::mem::swap(&mut self.bottom, &mut slot.head);
            self.bottom.reverse();
            if slot.head.capacity() > CHUNK {
                slot.head = Vec::new();
            }
            return;
        }
        let mut more = std::mem::take(&mut slot.more);
        for chunk in more.iter().rev() {
            self.bottom.extend(chunk.iter().rev());
        }
        self.bottom.extend(self.slots[index].head.iter().rev());
        self.slots[index].head.clear();
        self.recycle(&mut more);
        self.slots[index].more = more;
    }

    /// Files the bottom's events back into slots, and its range with them. While a bottom is
    /// out, every slot below its level is empty (later pushes past its range differ from
    /// `last` at its level or above), so its events land in empty slots, in push order.
    #[cold]
    #[inline(never)]
    fn spill_bottom(&mut self) {
        let mut bottom = std::mem::take(&mut self.bottom);
        for &e in bottom.iter().rev() {
            self.place(e);
        }
        bottom.clear();
        self.bottom = bottom;
        self.bottom_end = self.last;
    }

    /// Re-files everything relative to an earlier time (only when pushing before `last`
    /// while the bottom is full, which a running simulation never does).
    #[cold]
    fn rebase(&mut self, e: Entry<E>) {
        // Ties live in one container in push order (the bottom in reverse), except at the very
        // end of time, where the bottom's range saturates and later pushes at `Ticks::MAX` go
        // to a slot: so the bottom goes first, and `e`, pushed last, after everything.
        let mut all: Vec<Entry<E>> = Vec::with_capacity(self.len + 1);
        self.bottom.reverse();
        all.append(&mut self.bottom);
        for index in 0..self.slots.len() {
            let mut slot = std::mem::take(&mut self.slots[index]);
            all.extend(slot.iter());
            slot.head.clear();
            self.recycle(&mut slot.more);
            self.slots[index] = slot;
        }
        all.push(e);
        let earliest = all.iter().map(|e| e.time).min().unwrap_or(e.time);
        self.occupied = [0; OCCUPIED_WORDS];
        self.wide = Default::default();
        self.levels = 0;
        self.last = earliest;
        self.bottom_end = earliest;
        for e in all {
            self.place(e);
        }
    }
}

/// Sorts a run by descending time, stably (entries of one time keep their order). The run is
/// short (at most [`SORT_AT_MOST`] entries), or ordered but for runs that short, so each entry
/// moves past a few others at most. An insertion sort written out here: the standard library's
/// stable sort reaches the same insertion sort for so few elements, but through a call and
/// checks that cost more than the sort itself on the one- and two-event slots a fleet of
/// 10,000 devices makes of many of its events.
#[inline(always)]
fn sort_small_descending<E: Copy>(run: &mut [Entry<E>]) {
    for i in 1..run.len() {
        let e = run[i];
        let mut j = i;
        while j > 0 && run[j - 1].time < e.time {
            run[j] = run[j - 1];
            j -= 1;
        }
        run[j] = e;
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
        let order: Vec<u32> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, (0..100).collect::<Vec<_>>());
    }

    /// Slots of many chunks, cascades of them and interleaved pushes: a fleet's start-up burst.
    #[test]
    fn large_slots_keep_time_order_and_ties_in_push_order() {
        let mut q = EventQueue::with_capacity(1000);
        let mut reference = BTreeMap::new();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |bound: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % bound
        };
        let mut now = 0;
        for i in 0..200_000u64 {
            // Mostly near-future reports with many ties, some far-future failures.
            let t = now
                + if i % 5 == 0 {
                    next(1 << 40)
                } else {
                    next(60_000) / 16 * 16
                };
            q.push(t, i);
            reference.insert((t, i), i);
            if i % 3 == 0 {
                let (t, e) = q.pop().unwrap();
                assert_eq!(Some(((t, e), e)), reference.pop_first());
                now = t;
            }
        }
        while let Some((t, e)) = q.pop() {
            assert_eq!(Some(((t, e), e)), reference.pop_first());
        }
        assert!(reference.is_empty());
    }

    /// What `sorted_ahead` names is what `pop` gives that many pops later, or the furthest
    /// event of the sorted run when it holds fewer; nothing before the first pop sorts them.
    #[test]
    fn sorted_ahead_names_the_events_pop_gives_next() {
        let mut q = EventQueue::default();
        for (t, e) in [(5, 0u32), (5, 1), (5, 2), (9, 3)] {
            q.push(t, e);
        }
        assert_eq!(q.sorted_ahead(1), None);
        assert_eq!(q.pop(), Some((5, 0)));
        assert_eq!(q.sorted_ahead(1), Some(&1));
        assert_eq!(q.sorted_ahead(2), Some(&2));
        assert_eq!(q.sorted_ahead(3), Some(&2));
        assert_eq!(q.pop(), Some((5, 1)));
        assert_eq!(q.pop(), Some((5, 2)));
    }

    #[test]
    fn guess_ahead_names_the_next_events_of_lone_slots() {
        let mut q = EventQueue::default();
        assert_eq!(q.guess_ahead(1), None);
        for (t, e) in [(1 << 20, 0u32), (3 << 30, 1), (5 << 30, 2), (5 << 40, 3)] {
            q.push(t, e);
        }
        assert_eq!(q.pop(), Some((1 << 20, 0)));
        assert_eq!(q.sorted_len(), 0);
        assert_eq!(q.guess_ahead(1), Some(&1));
        assert_eq!(q.guess_ahead(2), Some(&2));
        assert_eq!(q.pop(), Some((3 << 30, 1)));
        assert_eq!(q.guess_ahead(1), Some(&2));
        assert_eq!(q.pop(), Some((5 << 30, 2)));
        assert_eq!(q.guess_ahead(1), Some(&3));
        assert_eq!(q.guess_ahead(2), Some(&3));
        assert_eq!(q.pop(), Some((5 << 40, 3)));
        assert_eq!(q.guess_ahead(1), None);
        // Within the sorted bottom the guess is what pop gives.
        for (t, e) in [(9 << 40, 4), (9 << 40, 5)] {
            q.push(t, e);
        }
        assert_eq!(q.pop(), Some((9 << 40, 4)));
        assert_eq!(q.sorted_len(), 1);
        assert_eq!(q.guess_ahead(1), Some(&5));
    }

    #[test]
    fn the_ends_of_time_work() {
        let mut q = EventQueue::default();
        q.push(Ticks::MAX, 0u32);
        q.push(Ticks::MAX - 1, 1);
        q.push(0, 2);
        assert_eq!(q.pop(), Some((0, 2)));
        assert_eq!(q.pop(), Some((Ticks::MAX - 1, 1)));
        q.push(Ticks::MAX, 3);
        assert_eq!(q.pop(), Some((Ticks::MAX, 0)));
        q.push(Ticks::MAX, 4);
        let rest: Vec<u32> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(rest, vec![3, 4]);
        assert!(q.is_empty());
    }

    /// Checks the queue against an obviously right reference (a sorted map) on a sequence of
    /// operations: (push?, distance, peek first?). Pushes go `distance` after the last pop, or
    /// for one op in seven before it.
    fn agrees(ops: Vec<(bool, u64, bool)>) -> Result<(), TestCaseError> {
        let mut q = EventQueue::default();
        let mut reference = BTreeMap::new();
        let mut now: u64 = 0;
        for (i, (is_push, dt, peek)) in ops.into_iter().enumerate() {
            if peek {
                prop_assert_eq!(
                    q.peek_time(),
                    reference.keys().next().map(|k: &(u64, usize)| k.0)
                );
            }
            if is_push {
                let t = if dt % 7 == 6 {
                    now.saturating_sub(dt)
                } else {
                    now.saturating_add(dt)
                };
                q.push(t, i);
                reference.insert((t, i), i);
            } else {
                let expected = reference.pop_first();
                let got = q.pop();
                prop_assert_eq!(got.map(|(t, e)| ((t, e), e)), expected);
                if let Some((t, _)) = got {
                    now = t;
                }
            }
            prop_assert_eq!(q.len(), reference.len());
        }
        Ok(())
    }

    proptest! {
        /// Near times: many ties, events pushed into the bottom, pushes into the past.
        #[test]
        fn agrees_with_a_sorted_map(ops in prop::collection::vec((any::<bool>(), 0u64..50, any::<bool>()), 0..400)) {
            agrees(ops)?;
        }

        /// Distances spread over every level, up to the end of time, and slots large enough to
        /// cascade.
        #[test]
        fn agrees_with_a_sorted_map_at_all_scales(
            ops in prop::collection::vec(
                (prop::bool::weighted(0.6), (0u32..64, any::<u64>()).prop_map(|(bits, x)| x >> bits), any::<bool>()),
                0..600,
            )
        ) {
            agrees(ops)?;
        }

        /// Sparse slots: a few hundred events over some 65 ms, so slots of levels 1 and 2 hold
        /// between a few and a few hundred, which the refill sorts by their next digit (or
        /// cascades when a digit holds too many); a third of the pushes land on whole 64 µs
        /// steps, so ties share a digit.
        #[test]
        fn agrees_with_a_sorted_map_when_slots_are_sorted_by_digit(
            ops in prop::collection::vec(
                (prop::bool::weighted(0.7), (0u64..1 << 16).prop_map(|x| if x % 3 == 0 { x & !63 } else { x }), any::<bool>()),
                0..1500,
            )
        ) {
            agrees(ops)?;
        }

        /// A lifecycle far ahead: pushes hours to years after the last pop (a third of them on
        /// whole 2^20 µs steps, so ties), about 500 to a 19-hour slot of the lower wide level,
        /// so its slots spill into chunks, cascade to level 5 and are sorted by digit from
        /// there; a third of the pushes go up to 142 years ahead, through the upper wide level
        /// and past it.
        #[test]
        fn agrees_with_a_sorted_map_for_a_far_future_lifecycle(
            ops in prop::collection::vec(
                (
                    prop::bool::weighted(0.8),
                    (0u64..1 << 38, 0u8..20).prop_map(|(x, far)| match far {
                        0 => x << 14,
                        1..=6 => x & !((1 << 20) - 1),
                        _ => x,
                    // Never a multiple of 7 less 1: `agrees` would push that one into the past.
                    } / 7 * 7),
                    prop::bool::weighted(0.1),
                ),
                0..3000,
            )
        ) {
            agrees(ops)?;
        }
    }

    /// The refill's counting sort on a slot that spreads over its next digit: every event of a
    /// 4 ms slot of level 2, in 40 distinct times of which each holds three ties.
    #[test]
    fn a_spread_slot_comes_out_in_time_order_with_ties_in_push_order() {
        let mut q = EventQueue::default();
        let mut pushed = Vec::new();
        for i in 0..120u64 {
            // Times 4096 + (i % 40) * 97: 40 times over the slot's 64 digits, in shuffled order.
            let t = 4096 + (i * 23 % 40) * 97;
            q.push(t, i);
            pushed.push((t, i));
        }
        pushed.sort_by_key(|&(t, i)| (t, i));
        let popped: Vec<(u64, u64)> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(popped, pushed);
    }
}
