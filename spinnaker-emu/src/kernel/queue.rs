//! The event queue: a calendar queue, because almost every event lands a few hundred router cycles ahead.
//!
//! Near-future events go into a ring of time buckets (`BUCKET_TICKS` wide, `BUCKETS` of them, 0.49 ms);
//! a bucket is sorted once, when it becomes current, by the full (time, chip, order) key, so the order is
//! exactly that of a priority queue. Events beyond the ring (timers, distant wake-ups) wait in a binary heap
//! and move into the ring as it advances. Push and pop are O(1) amortised instead of O(log n). A bitmap of
//! occupied buckets lets the queue jump over empty ones 64 at a time: between timer ticks a quiet machine
//! leaves thousands of buckets empty.

use std::collections::BinaryHeap;

use super::event::Event;
use crate::time::Time;

/// Bucket width: 16 router cycles, about one link serialisation (narrower buckets measured slower: more
/// empty buckets to step over at low load).
const BUCKET_TICKS: u64 = 48;
const BUCKETS: usize = 4096;

pub struct EventQueue {
    /// Start time of the current bucket.
    base: u64,
    /// Index of the current bucket in `ring`.
    cur: usize,
    /// The current bucket, sorted so that the earliest event is last.
    current: Vec<Event>,
    ring: Vec<Vec<Event>>,
    /// Bit b set when `ring[b]` holds events.
    occupied: Vec<u64>,
    /// Events beyond the ring's horizon, earliest first.
    far: BinaryHeap<Event>,
    len: usize,
}

impl Default for EventQueue {
    fn default() -> Self {
        EventQueue {
            base: 0,
            cur: 0,
            current: Vec::new(),
            ring: (0..BUCKETS).map(|_| Vec::new()).collect(),
            occupied: vec![0; BUCKETS / 64],
            far: BinaryHeap::new(),
            len: 0,
        }
    }
}

/// `Event`'s `Ord` is reversed for `BinaryHeap`; sorting with it puts the earliest event last.
fn sort_latest_first(v: &mut [Event]) {
    v.sort_unstable();
}

impl EventQueue {
    pub fn push(&mut self, e: Event) {
        self.len += 1;
        let t = e.time.0;
        if t < self.base + BUCKET_TICKS {
            // Into the current bucket, keeping it sorted (it is small).
            let at = self.current.partition_point(|x| *x < e);
            self.current.insert(at, e);
        } else if t < self.base + BUCKET_TICKS * BUCKETS as u64 {
            let offset = ((t - self.base) / BUCKET_TICKS) as usize;
            let b = (self.cur + offset) % BUCKETS;
            self.ring[b].push(e);
            self.occupied[b / 64] |= 1 << (b % 64);
        } else {
            self.far.push(e);
        }
    }

    /// Makes `current` hold the earliest events; false when the queue is empty.
    fn settle(&mut self) -> bool {
        if self.len == 0 {
            return false;
        }
        while self.current.is_empty() {
            let ring_empty = self.len == self.far.len();
            // Jump to the next occupied bucket, or to the far heap's first event if that comes first (or the
            // ring is empty): the buckets in between are empty.
            let far_base = self.far.peek().map(|e| e.time.0 - e.time.0 % BUCKET_TICKS);
            let steps = match (self.next_occupied(), far_base) {
                (Some(k), Some(f)) => {
                    (k as u64).min((f.max(self.base + BUCKET_TICKS) - self.base) / BUCKET_TICKS)
                }
                (Some(k), None) => k as u64,
                (None, Some(f)) => (f.max(self.base + BUCKET_TICKS) - self.base) / BUCKET_TICKS,
                (None, None) => unreachable!("settle with events but no bucket and no far event"),
            };
            self.base += steps * BUCKET_TICKS;
            self.cur = ((self.cur as u64 + steps) % BUCKETS as u64) as usize;
            let horizon = self.base + BUCKET_TICKS * BUCKETS as u64;
            while self.far.peek().is_some_and(|e| e.time.0 < horizon) {
                let e = self.far.pop().expect("peeked");
                self.len -= 1;
                if ring_empty && e.time.0 < self.base + BUCKET_TICKS {
                    self.len += 1;
                    self.current.push(e);
                } else {
                    self.push(e);
                }
            }
            let mut bucket = std::mem::take(&mut self.ring[self.cur]);
            self.current.append(&mut bucket);
            self.ring[self.cur] = bucket;
            self.occupied[self.cur / 64] &= !(1 << (self.cur % 64));
            sort_latest_first(&mut self.current);
        }
        true
    }

    /// Offset (1..BUCKETS) from `cur` of the next occupied bucket, if any.
    fn next_occupied(&self) -> Option<usize> {
        let words = self.occupied.len();
        let start = (self.cur + 1) % BUCKETS;
        let (w0, bit0) = (start / 64, start % 64);
        // The first word from `start`'s bit, the other words whole, then the first word's low bits again.
        let first = self.occupied[w0] & (!0u64 << bit0);
        if first != 0 {
            return Some(w0 * 64 + first.trailing_zeros() as usize).map(|b| self.offset_of(b));
        }
        (1..=words).find_map(|i| {
            let w = (w0 + i) % words;
            let bits = self.occupied[w];
            (bits != 0).then(|| self.offset_of(w * 64 + bits.trailing_zeros() as usize))
        })
    }

    /// Buckets from `cur` forward to bucket `b`.
    fn offset_of(&self, b: usize) -> usize {
        (b + BUCKETS - self.cur) % BUCKETS
    }

    /// The time of the earliest event.
    pub fn next_time(&mut self) -> Option<Time> {
        self.settle()
            .then(|| self.current.last().expect("settled").time)
    }

    /// The earliest event, if it is before `limit`.
    pub fn pop_before(&mut self, limit: Time) -> Option<Event> {
        if !self.settle() || self.current.last().expect("settled").time >= limit {
            return None;
        }
        self.len -= 1;
        self.current.pop()
    }

    pub fn into_vec(mut self) -> Vec<Event> {
        let mut all = std::mem::take(&mut self.current);
        for b in &mut self.ring {
            all.append(b);
        }
        all.extend(self.far.into_vec());
        all
    }
}

impl FromIterator<Event> for EventQueue {
    fn from_iter<I: IntoIterator<Item = Event>>(iter: I) -> Self {
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
    use crate::kernel::event::Action;
    use proptest::prelude::*;

    fn ev(time: u64, chip: u32, order: u64) -> Event {
        Event {
            time: Time(time),
            chip,
            order,
            action: Action::Reinject,
        }
    }

    proptest! {
        /// Pops come out in exactly the order of a binary heap, whatever the mix of near and far events
        /// and of pushes between pops.
        #[test]
        fn same_order_as_a_heap(
            ops in prop::collection::vec((0u64..2_000_000, 0u32..4, 0u64..8, any::<bool>()), 1..400)
        ) {
            let mut q = EventQueue::default();
            let mut heap = BinaryHeap::new();
            let mut now = 0u64;
            for (dt, chip, order, pop) in ops {
                if pop {
                    let a = q.pop_before(Time::NEVER);
                    let b = heap.pop();
                    prop_assert_eq!(a, b);
                    if let Some(e) = a {
                        now = e.time.0;
                    }
                } else {
                    // Events are never scheduled in the past.
                    let e = ev(now + dt % (1 + dt / 3), chip, order * 1000 + heap.len() as u64);
                    q.push(e);
                    heap.push(e);
                }
                prop_assert_eq!(q.len, heap.len());
            }
            while let Some(b) = heap.pop() {
                prop_assert_eq!(q.pop_before(Time::NEVER), Some(b));
            }
            prop_assert_eq!(q.pop_before(Time::NEVER), None);
        }
    }
}
