//! Conservative parallel execution: one partition of chips per thread, synchronised every `lookahead`.
//!
//! Window protocol, one barrier per window (every thread runs the same loop):
//! 1. process own events earlier than `window_end = window_start + lookahead`; events for chips of another
//!    partition are batched per target (they are at least `lookahead` later, so never inside this window);
//! 2. hand the batches to the targets' inboxes and publish a lower bound on own future events: the earliest
//!    of own next event and the events just sent away;
//! 3. barrier; drain own inbox; the next `window_start` is the minimum published bound (empty stretches of
//!    simulated time are skipped at once).
//!
//! Inboxes and bounds are double-buffered by window parity: what is written in window w is read only after
//! barrier w, and overwritten only in window w + 2, after every thread has passed barrier w + 1.

use std::hint::spin_loop;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use super::event::{Event, EventSink};
use super::queue::EventQueue;
use super::{Application, ChipState};
use crate::router::config::Timing;
use crate::time::Time;

/// A barrier that spins (then yields): windows are a few hundred nanoseconds of work, far shorter than a
/// futex wake-up.
struct SpinBarrier {
    threads: usize,
    waiting: AtomicUsize,
    generation: AtomicUsize,
}

impl SpinBarrier {
    fn new(threads: usize) -> Self {
        SpinBarrier {
            threads,
            waiting: AtomicUsize::new(0),
            generation: AtomicUsize::new(0),
        }
    }

    fn wait(&self) {
        let generation = self.generation.load(Ordering::Acquire);
        if self.waiting.fetch_add(1, Ordering::AcqRel) + 1 == self.threads {
            self.waiting.store(0, Ordering::Relaxed);
            self.generation.fetch_add(1, Ordering::AcqRel);
            return;
        }
        let mut spins = 0u32;
        while self.generation.load(Ordering::Acquire) == generation {
            if spins < 10_000 {
                spin_loop();
                spins += 1;
            } else {
                std::thread::yield_now();
            }
        }
    }
}

/// Where a partition's handlers put events: its own queue, or the outbox of the partition that owns the chip
/// (those events are at least a lookahead later, so never inside the current window).
struct PartitionSink<'a, F> {
    own: std::ops::Range<u32>,
    queue: &'a mut EventQueue,
    outboxes: &'a mut [Vec<Event>],
    part_of: &'a F,
    /// The earliest event sent away this window.
    sent_min: &'a mut Time,
}

impl<F: Fn(u32) -> usize> EventSink for PartitionSink<'_, F> {
    #[inline(always)]
    fn emit(&mut self, e: Event) {
        if self.own.contains(&e.chip()) {
            self.queue.push(e);
        } else {
            *self.sent_min = (*self.sent_min).min(e.time);
            self.outboxes[(self.part_of)(e.chip())].push(e);
        }
    }
}

/// Runs every event before `until` on `threads` threads; returns the events left for later.
pub(super) fn run<A: Application>(
    chips: &mut [ChipState<A>],
    events: Vec<Event>,
    until: Time,
    timing: &Timing,
    threads: usize,
) -> Vec<Event> {
    let n = chips.len();
    let parts = threads.min(n);
    // Partition p owns chips [bounds[p], bounds[p + 1]).
    let bounds: Vec<usize> = (0..=parts).map(|p| p * n / parts).collect();
    let part_of = |chip: u32| bounds.partition_point(|&b| b <= chip as usize) - 1;
    let mut queues: Vec<EventQueue> = (0..parts).map(|_| EventQueue::default()).collect();
    for e in events {
        queues[part_of(e.chip())].push(e);
    }
    let lookahead = timing.params.lookahead();
    let inboxes: [Vec<Mutex<Vec<Event>>>; 2] =
        std::array::from_fn(|_| (0..parts).map(|_| Mutex::new(Vec::new())).collect());
    let first_window = queues
        .iter_mut()
        .filter_map(|q| q.next_time())
        .min()
        .unwrap_or(Time::NEVER);
    let bounds_published: [Vec<AtomicU64>; 2] =
        std::array::from_fn(|_| (0..parts).map(|_| AtomicU64::new(Time::NEVER.0)).collect());
    let barrier = SpinBarrier::new(parts);
    let mut slices = Vec::with_capacity(parts);
    let mut rest = chips;
    for p in 0..parts {
        let (head, tail) = rest.split_at_mut(bounds[p + 1] - bounds[p]);
        slices.push(head);
        rest = tail;
    }
    let leftovers: Vec<Vec<Event>> = std::thread::scope(|scope| {
        let handles: Vec<_> = slices
            .into_iter()
            .zip(queues)
            .enumerate()
            .map(|(p, (slice, mut queue))| {
                let (inboxes, published, barrier, bounds, part_of) =
                    (&inboxes, &bounds_published, &barrier, &bounds, &part_of);
                scope.spawn(move || {
                    let first = bounds[p] as u32;
                    let mut outboxes: Vec<Vec<Event>> = (0..parts).map(|_| Vec::new()).collect();
                    let mut window_start = first_window;
                    let mut ev = Event::placeholder();
                    let mut parity = 0;
                    while window_start < until {
                        let window_end = (window_start + lookahead).min(until);
                        let mut sent_min = Time::NEVER;
                        while queue.pop_before(window_end, &mut ev) {
                            let mut sink = PartitionSink {
                                own: first..bounds[p + 1] as u32,
                                queue: &mut queue,
                                outboxes: &mut outboxes,
                                part_of,
                                sent_min: &mut sent_min,
                            };
                            slice[(ev.chip() - first) as usize].handle(&ev, timing, &mut sink);
                        }
                        for (q, out) in outboxes.iter_mut().enumerate() {
                            if !out.is_empty() {
                                inboxes[parity][q].lock().expect("inbox lock").append(out);
                            }
                        }
                        let own_next = queue.next_time().unwrap_or(Time::NEVER);
                        published[parity][p].store(own_next.min(sent_min).0, Ordering::Release);
                        barrier.wait();
                        for e in inboxes[parity][p].lock().expect("inbox lock").drain(..) {
                            queue.push(e);
                        }
                        window_start = Time(
                            published[parity]
                                .iter()
                                .map(|t| t.load(Ordering::Acquire))
                                .min()
                                .unwrap_or(u64::MAX),
                        );
                        parity ^= 1;
                    }
                    queue.into_vec()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("partition thread"))
            .collect()
    });
    leftovers.into_iter().flatten().collect()
}
