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
//!
//! A stretch ends early when its [`Budget`] is spent: partition 0's thread publishes that decision with its
//! bound, so every thread reads the same decision after the same barrier and stops at the same window.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::barrier::WindowBarrier;
use super::event::{Event, EventSink};
use super::pace::Budget;
use super::queue::EventQueue;
use super::{Application, ChipState, Stretch};
use crate::router::config::Timing;
use crate::time::Time;

/// Busy chips (chips with work loaded) that each partition must hold for a run's default thread count to
/// grow: a partition with fewer adds a barrier per window and little work to share. The mode chooser
/// ([`super::Pace`]) falls back to sequential stretches where this guess is wrong.
pub const MIN_BUSY_CHIPS_PER_THREAD: usize = 8;

/// Partition `p` of `parts` owns chips `[bounds[p], bounds[p + 1])` of `n`.
fn bounds(n: usize, parts: usize) -> Vec<usize> {
    (0..=parts).map(|p| p * n / parts).collect()
}

/// The most threads, at most `max`, whose partitions of `n` chips each hold [`MIN_BUSY_CHIPS_PER_THREAD`]
/// of the chips `busy` says are busy; 1 when no split does.
pub(super) fn paying_threads(n: usize, busy: &[bool], max: usize) -> usize {
    (2..=max.min(n))
        .rev()
        .find(|&parts| {
            bounds(n, parts).windows(2).all(|b| {
                busy[b[0]..b[1]].iter().filter(|&&x| x).count() >= MIN_BUSY_CHIPS_PER_THREAD
            })
        })
        .unwrap_or(1)
}

/// Windows between two readings of the clock: a window under load can take a scheduler time slice, so the
/// budget is checked often; a reading costs tens of nanoseconds against a window's hundreds.
const CLOCK_EVERY_WINDOWS: u64 = 8;

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

/// Runs the events before `until` on `threads` threads, or those before an earlier window's end once `budget`
/// is spent.
pub(super) fn run<A: Application>(
    chips: &mut [ChipState<A>],
    events: Vec<Event>,
    until: Time,
    timing: &Timing,
    threads: usize,
    budget: &Budget,
) -> Stretch {
    let n = chips.len();
    let parts = threads.min(n);
    let bounds = bounds(n, parts);
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
    let stops: [AtomicBool; 2] = std::array::from_fn(|_| AtomicBool::new(false));
    let barrier = WindowBarrier::new(parts);
    let mut slices = Vec::with_capacity(parts);
    let mut rest = chips;
    for p in 0..parts {
        let (head, tail) = rest.split_at_mut(bounds[p + 1] - bounds[p]);
        slices.push(head);
        rest = tail;
    }
    let ends: Vec<(Vec<Event>, Time, u64)> = std::thread::scope(|scope| {
        let handles: Vec<_> = slices
            .into_iter()
            .zip(queues)
            .enumerate()
            .map(|(p, (slice, mut queue))| {
                let (inboxes, published, stops, barrier, bounds, part_of) = (
                    &inboxes,
                    &bounds_published,
                    &stops,
                    &barrier,
                    &bounds,
                    &part_of,
                );
                scope.spawn(move || {
                    let first = bounds[p] as u32;
                    let mut outboxes: Vec<Vec<Event>> = (0..parts).map(|_| Vec::new()).collect();
                    let mut window_start = first_window;
                    let mut ev = Event::placeholder();
                    let mut parity = 0;
                    let (mut handled, mut windows) = (0u64, 0u64);
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
                            handled += 1;
                        }
                        windows += 1;
                        if p == 0 {
                            let spent = budget.spent(handled, windows % CLOCK_EVERY_WINDOWS == 0);
                            stops[parity].store(spent, Ordering::Release);
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
                        if stops[parity].load(Ordering::Acquire) {
                            break;
                        }
                        parity ^= 1;
                    }
                    (queue.into_vec(), window_start.min(until), handled)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("partition thread"))
            .collect()
    });
    let reached = ends[0].1;
    let events = ends.iter().map(|e| e.2).sum();
    Stretch {
        leftovers: ends.into_iter().flat_map(|e| e.0).collect(),
        reached,
        events,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Threads are added only while every partition keeps its share of busy chips.
    #[test]
    fn threads_pay_when_every_partition_is_busy() {
        let busy_first = |k: usize| -> Vec<bool> { (0..48).map(|i| i < k).collect() };
        // 6 busy chips in the first partition (the 0.1 microcircuit on spinnaker-48): one thread.
        assert_eq!(paying_threads(48, &busy_first(6), 4), 1);
        // Busy chips only in the first half: a second partition would be idle.
        assert_eq!(paying_threads(48, &busy_first(24), 4), 1);
        assert_eq!(paying_threads(48, &busy_first(32), 4), 2);
        assert_eq!(paying_threads(48, &[true; 48], 4), 4);
        assert_eq!(paying_threads(48, &[true; 48], 1), 1);
        assert_eq!(paying_threads(3, &[true; 3], 4), 1);
    }
}
