//! The event queue: a two-level timing wheel, because almost every event lands a few hundred router cycles
//! ahead and the kernel moves one event through it for every packet hop.
//!
//! - `current` holds the events of the current tick (and any pushed for an earlier one) in order, so a pop
//!   takes its head. Events pushed for the current tick, such as a core's send at the current time, are
//!   inserted into it in order.
//! - Level 1: one bucket per tick for the rest of the current span of `SPAN` ticks (10.24 us). Almost every
//!   packet event (a hop takes tens of router cycles) lands here, in O(1). A bucket becomes `current` when
//!   the queue reaches its tick, and is sorted then if it holds more than one event (only events of the same
//!   tick share a bucket, so it is sorted by their stable tie).
//! - Level 2: one bucket per span for the next `SPAN` spans (41.9 ms): wake-ups, timer ticks, reinjector
//!   ticks. A bucket is spread over level 1 when the queue enters its span.
//! - Beyond that, a binary heap, drained into level 2 as the queue advances.
//!
//! Buckets are linked lists threaded through one slab of slots, not a `Vec` each: the slab stays as large as
//! the most events ever in flight and is reused in place (freed slots first), so the working set stays small
//! and cache-resident however many buckets there are; moving an event between levels relinks it without
//! copying. Bitmaps of occupied buckets let the queue skip empty ticks 64 at a time. Pops come out in exactly
//! the order of a priority queue on (time, tie) (proptest below).

use std::collections::BinaryHeap;

use crate::event::{Event, EventSink, Payload};
use crate::time::SimTime;

const SPAN_BITS: u32 = 12;
/// Ticks per span, buckets per level.
const SPAN: usize = 1 << SPAN_BITS;
/// End of a bucket's list, and of the free list.
const NIL: u32 = u32::MAX;

/// An event in a bucket's list.
struct Slot<A: Payload> {
    event: Event<A>,
    next: u32,
}

/// Which of `SPAN` buckets hold events.
struct Occupancy([u64; SPAN / 64]);

impl Occupancy {
    fn set(&mut self, b: usize) {
        self.0[b / 64] |= 1 << (b % 64);
    }

    fn clear(&mut self, b: usize) {
        self.0[b / 64] &= !(1 << (b % 64));
    }

    /// The first occupied bucket at `from` or after it (not wrapping).
    fn next_from(&self, from: usize) -> Option<usize> {
        let (mut w, bit) = (from / 64, from % 64);
        if w >= self.0.len() {
            return None;
        }
        let mut bits = self.0[w] & (!0u64 << bit);
        loop {
            if bits != 0 {
                return Some(w * 64 + bits.trailing_zeros() as usize);
            }
            w += 1;
            if w == self.0.len() {
                return None;
            }
            bits = self.0[w];
        }
    }
}

/// Bucket lists (heads) of one level, with their occupancy.
struct Level {
    heads: Box<[u32]>,
    occupied: Occupancy,
}

impl Level {
    fn new() -> Level {
        Level {
            heads: vec![NIL; SPAN].into_boxed_slice(),
            occupied: Occupancy([0; SPAN / 64]),
        }
    }

    /// Links slot `i` at the head of bucket `b`'s list.
    #[inline(always)]
    fn link<A: Payload>(&mut self, slots: &mut [Slot<A>], b: usize, i: u32) {
        slots[i as usize].next = self.heads[b];
        self.heads[b] = i;
        self.occupied.set(b);
    }

    /// Unlinks bucket `b` and returns its list.
    fn take(&mut self, b: usize) -> u32 {
        self.occupied.clear(b);
        std::mem::replace(&mut self.heads[b], NIL)
    }
}

pub struct EventQueue<A: Payload> {
    /// The current tick: every event of an earlier tick has been popped or is in `current`.
    now: u64,
    /// The events of tick `now` (and any pushed for an earlier tick), in order: the next pop is its head.
    current: u32,
    /// The slot last inserted into `current`, while it is there: where the next insertion's search starts
    /// if it follows it, so that a burst of events in order (a reinjector re-sending its queue) is linear.
    finger: u32,
    slots: Vec<Slot<A>>,
    /// Free slots, linked through `Slot::next`.
    free: u32,
    /// One bucket per tick of the span of `now`, each list in no order until it becomes `current`.
    ticks: Level,
    /// One bucket per span, the `SPAN` spans after that of `now` (indexed by span number mod `SPAN`), each
    /// list in no order.
    spans: Level,
    /// Events beyond level 2, earliest first.
    far: BinaryHeap<Event<A>>,
    /// Reused to sort a tick's list.
    sorting: Vec<u32>,
    len: usize,
}

impl<A: Payload> Default for EventQueue<A> {
    fn default() -> Self {
        EventQueue {
            now: 0,
            current: NIL,
            finger: NIL,
            slots: Vec::new(),
            free: NIL,
            ticks: Level::new(),
            spans: Level::new(),
            far: BinaryHeap::new(),
            sorting: Vec::new(),
            len: 0,
        }
    }
}

fn span_of(t: u64) -> u64 {
    t >> SPAN_BITS
}

impl<A: Payload> EventQueue<A> {
    /// Always inlined, so that an event built by the caller is written straight into its slot: built on the
    /// stack and copied, its byte-sized fields stalled the copy on store forwarding.
    #[inline(always)]
    pub fn push(&mut self, e: Event<A>) {
        self.len += 1;
        let t = e.time.ticks();
        let ahead = span_of(t).wrapping_sub(span_of(self.now));
        if t <= self.now {
            let i = self.alloc(e);
            self.insert_current(i);
        } else if ahead == 0 {
            let i = self.alloc(e);
            self.ticks.link(&mut self.slots, t as usize % SPAN, i);
        } else if ahead < SPAN as u64 {
            let i = self.alloc(e);
            self.spans
                .link(&mut self.slots, span_of(t) as usize % SPAN, i);
        } else {
            self.far.push(e);
        }
    }

    /// Links slot `i` into `current` after every event that precedes it.
    #[inline]
    fn insert_current(&mut self, i: u32) {
        let event = self.slots[i as usize].event;
        let slots = &mut self.slots;
        let from_finger = self.finger != NIL && slots[self.finger as usize].event.precedes(&event);
        let mut prev = if from_finger {
            self.finger
        } else if self.current == NIL || event.precedes(&slots[self.current as usize].event) {
            slots[i as usize].next = self.current;
            self.current = i;
            self.finger = i;
            return;
        } else {
            self.current
        };
        loop {
            let next = slots[prev as usize].next;
            if next == NIL || event.precedes(&slots[next as usize].event) {
                break;
            }
            prev = next;
        }
        slots[i as usize].next = slots[prev as usize].next;
        slots[prev as usize].next = i;
        self.finger = i;
    }

    /// Puts the list at `current` in order (it holds the events of one tick, in no order).
    #[inline(never)]
    fn sort_current(&mut self) {
        let mut order = std::mem::take(&mut self.sorting);
        let mut i = self.current;
        while i != NIL {
            order.push(i);
            i = self.slots[i as usize].next;
        }
        let slots = &mut self.slots;
        order.sort_unstable_by(|&a, &b| {
            slots[a as usize]
                .event
                .cmp(&slots[b as usize].event)
                .reverse()
        });
        for pair in order.windows(2) {
            slots[pair[0] as usize].next = pair[1];
        }
        slots[*order.last().expect("a list of two or more") as usize].next = NIL;
        self.current = order[0];
        order.clear();
        self.sorting = order;
    }

    /// A slot holding `event` (its link unset).
    #[inline(always)]
    fn alloc(&mut self, event: Event<A>) -> u32 {
        if self.free != NIL {
            let i = self.free;
            let s = &mut self.slots[i as usize];
            self.free = s.next;
            s.event = event;
            i
        } else {
            self.slots.push(Slot { event, next: NIL });
            u32::try_from(self.slots.len() - 1).expect("fewer than 2^32 events in flight")
        }
    }

    /// Makes `current` hold the earliest events; false when the queue is empty.
    #[inline]
    fn settle(&mut self) -> bool {
        self.current != NIL || self.advance()
    }

    /// Moves to the next tick that holds events and makes its bucket `current`; false when the queue is
    /// empty.
    fn advance(&mut self) -> bool {
        if self.len == 0 {
            return false;
        }
        let mut from = self.now as usize % SPAN + 1;
        loop {
            if let Some(b) = self.ticks.occupied.next_from(from) {
                self.now = (self.now & !(SPAN as u64 - 1)) | b as u64;
                self.current = self.ticks.take(b);
                self.finger = NIL;
                if self.slots[self.current as usize].next != NIL {
                    self.sort_current();
                }
                return true;
            }
            self.enter_next_span();
            from = 0;
        }
    }

    /// The current span holds no more events: moves `now` to the start of the next span that holds any, and
    /// spreads its events over level 1.
    #[inline(never)]
    fn enter_next_span(&mut self) {
        let here = span_of(self.now);
        let start = here as usize % SPAN + 1;
        let in_level2 = self
            .spans
            .occupied
            .next_from(start)
            .map(|b| b - (start - 1))
            .or_else(|| {
                self.spans
                    .occupied
                    .next_from(0)
                    .map(|b| b + SPAN - (start - 1))
            })
            .map(|ahead| here + ahead as u64);
        let in_far = self.far.peek().map(|e| span_of(e.time.ticks()));
        let next = match (in_level2, in_far) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => unreachable!("events counted but none queued"),
        };
        self.now = next << SPAN_BITS;
        let mut i = self.spans.take(next as usize % SPAN);
        while i != NIL {
            let following = self.slots[i as usize].next;
            let b = self.slots[i as usize].event.time.ticks() as usize % SPAN;
            self.ticks.link(&mut self.slots, b, i);
            i = following;
        }
        while self
            .far
            .peek()
            .is_some_and(|e| span_of(e.time.ticks()) - next < SPAN as u64)
        {
            // Not `push`: an event on the span's first tick would go to `current`, which `advance` is about
            // to set from level 1.
            let e = self.far.pop().expect("peeked");
            let t = e.time.ticks();
            let i = self.alloc(e);
            if span_of(t) == next {
                self.ticks.link(&mut self.slots, t as usize % SPAN, i);
            } else {
                self.spans
                    .link(&mut self.slots, span_of(t) as usize % SPAN, i);
            }
        }
    }

    /// The chip of the earliest event.
    #[inline]
    pub fn next_chip(&mut self) -> Option<u32> {
        self.settle()
            .then(|| self.slots[self.current as usize].event.chip())
    }

    /// The time of the earliest event.
    pub fn next_time(&mut self) -> Option<A::Time> {
        self.settle()
            .then(|| self.slots[self.current as usize].event.time)
    }

    /// Moves the earliest event into `next` if it is before `limit`; false otherwise.
    ///
    /// An out-parameter rather than an `Option<Event>`: returning the option made the compiler split the
    /// 48-byte copy around the enum's niche byte, and the misaligned reloads that followed stalled on store
    /// forwarding on every event.
    #[inline]
    pub fn pop_before(&mut self, limit: A::Time, next: &mut Event<A>) -> bool {
        if !self.settle() {
            return false;
        }
        let i = self.current;
        let slot = &mut self.slots[i as usize];
        if slot.event.time >= limit {
            return false;
        }
        self.current = std::mem::replace(&mut slot.next, self.free);
        self.free = i;
        if self.finger == i {
            self.finger = NIL;
        }
        self.len -= 1;
        *next = slot.event;
        true
    }

    pub fn into_vec(self) -> Vec<Event<A>> {
        let mut all = Vec::with_capacity(self.len);
        let heads = std::iter::once(&self.current)
            .chain(self.ticks.heads.iter())
            .chain(self.spans.heads.iter());
        for &head in heads {
            let mut i = head;
            while i != NIL {
                all.push(self.slots[i as usize].event);
                i = self.slots[i as usize].next;
            }
        }
        all.extend(self.far.into_vec());
        all
    }
}

impl<A: Payload> EventSink<A> for EventQueue<A> {
    #[inline(always)]
    fn emit(&mut self, e: Event<A>) {
        self.push(e);
    }
}

impl<A: Payload> FromIterator<Event<A>> for EventQueue<A> {
    fn from_iter<I: IntoIterator<Item = Event<A>>>(iter: I) -> Self {
        let mut q = EventQueue::default();
        for e in iter {
            q.push(e);
        }
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Ticks;
    use proptest::prelude::*;

    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    struct Nothing;

    impl Payload for Nothing {
        type Time = Ticks;
        const PLACEHOLDER: Nothing = Nothing;
    }

    type Ev = Event<Nothing>;

    fn ev(time: u64, chip: u32, seq: u64) -> Ev {
        Event::new(Ticks(time), chip, 2, 0, seq, Nothing)
    }

    fn pop(q: &mut EventQueue<Nothing>) -> Option<Ev> {
        let mut e = ev(0, 0, 0);
        q.pop_before(Ticks::NEVER, &mut e).then_some(e)
    }

    /// Time steps: the same tick, the same span, level 2 and beyond it.
    fn step() -> impl Strategy<Value = u64> {
        prop_oneof![0u64..3, 0u64..5_000, 0u64..50_000_000]
    }

    proptest! {
        /// Pops come out in exactly the order of a binary heap, whatever the mix of near and far events, of
        /// pushes between pops, and of pushes for ticks before the one a peek (`next_time`) moved to, as the
        /// parallel kernel does when it drains an inbox after publishing its next time.
        #[test]
        fn same_order_as_a_heap(
            ops in prop::collection::vec((step(), 0u32..4, 0u64..8, 0u8..3), 1..400)
        ) {
            let mut q = EventQueue::default();
            let mut heap = BinaryHeap::new();
            let mut now = 0u64;
            for (dt, chip, order, op) in ops {
                match op {
                    0 => {
                        let a = pop(&mut q);
                        let b = heap.pop();
                        prop_assert_eq!(a, b);
                        if let Some(e) = a {
                            now = e.time.0;
                        }
                    }
                    1 => prop_assert_eq!(q.next_time(), heap.peek().map(|e| e.time)),
                    _ => {
                        // Events are never scheduled before the last one popped.
                        let e = ev(now + dt, chip, order * 1000 + heap.len() as u64);
                        q.push(e);
                        heap.push(e);
                    }
                }
                prop_assert_eq!(q.len, heap.len());
            }
            while let Some(b) = heap.pop() {
                prop_assert_eq!(pop(&mut q), Some(b));
            }
            prop_assert_eq!(pop(&mut q), None);
        }
    }
}
