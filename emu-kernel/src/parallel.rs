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
//!
//! A sampling point ([`crate::sample`]) caps the window that reaches it. Once the published bounds say that
//! every event before it is processed, every thread releases its chips and meets at a barrier; partition 0's
//! thread calls the hook with all of them and publishes the next point (or the end of the run); a second
//! barrier, and each thread takes its chips back. The threads stay up from one point to the next.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::barrier::WindowBarrier;
use crate::event::{Event, EventSink, Payload};
use crate::pace::Budget;
use crate::queue::EventQueue;
use crate::sample::{Chips, Sampling};
use crate::time::SimTime;
use crate::{Chip, Stretch};

/// Busy chips (chips with work loaded) that each partition must hold for a run's default thread count to
/// grow: a partition with fewer adds a barrier per window and little work to share. The mode chooser
/// ([`crate::Pace`]) falls back to sequential stretches where this guess is wrong.
pub const MIN_BUSY_CHIPS_PER_THREAD: usize = 8;

/// Partition `p` of `parts` owns chips `[bounds[p], bounds[p + 1])` of `n`.
fn bounds(n: usize, parts: usize) -> Vec<usize> {
    (0..=parts).map(|p| p * n / parts).collect()
}

/// Partition `p` of `parts` owns chips `[bounds[p], bounds[p + 1])`: each inner bound the most chips whose
/// `loads` sum to no more than `p / parts` of the total (equal loads: the same bounds as [`bounds`]).
pub(crate) fn load_bounds(loads: &[u64], parts: usize) -> Vec<usize> {
    let total: u128 = loads.iter().map(|&l| u128::from(l)).sum();
    let mut out = vec![0];
    let (mut i, mut before) = (0, 0u128);
    for p in 1..parts as u128 {
        while i < loads.len() && (before + u128::from(loads[i])) * parts as u128 <= p * total {
            before += u128::from(loads[i]);
            i += 1;
        }
        out.push(i);
    }
    out.push(loads.len());
    out
}

/// The default thread count of a run: the most threads, at most `max`, whose partitions of the chips each
/// hold [`MIN_BUSY_CHIPS_PER_THREAD`] of the chips `busy` (by dense index) says are busy; 1 when no split does.
pub fn paying_threads(busy: &[bool], max: usize) -> usize {
    let n = busy.len();
    (2..=max.min(n))
        .rev()
        .find(|&parts| {
            bounds(n, parts).windows(2).all(|b| {
                busy[b[0]..b[1]].iter().filter(|&&x| x).count() >= MIN_BUSY_CHIPS_PER_THREAD
            })
        })
        .unwrap_or(1)
}

/// Events other partitions sent to one partition in one window.
type Inbox<A> = Mutex<Vec<Event<A>>>;

/// Where a partition's handlers put events: its own queue, or the outbox of the partition that owns the chip
/// (those events are at least a lookahead later, so never inside the current window).
struct PartitionSink<'a, A: Payload, F> {
    own: std::ops::Range<u32>,
    queue: &'a mut EventQueue<A>,
    outboxes: &'a mut [Vec<Event<A>>],
    part_of: &'a F,
    /// The earliest event sent away this window.
    sent_min: &'a mut A::Time,
}

impl<A: Payload, F: Fn(u32) -> usize> EventSink<A> for PartitionSink<'_, A, F> {
    #[inline(always)]
    fn emit(&mut self, e: Event<A>) {
        if self.own.contains(&e.chip()) {
            self.queue.push(e);
        } else {
            *self.sent_min = (*self.sent_min).min(e.time);
            self.outboxes[(self.part_of)(e.chip())].push(e);
        }
    }
}

/// Runs the events before `until` on `threads` threads, or those before an earlier window's end once `budget`
/// is spent, calling `sampling`'s hook at each of its points on the way (until it ends the run).
#[allow(clippy::too_many_arguments)]
pub(crate) fn run<C: Chip>(
    chips: &mut [C],
    events: Vec<Event<C::Action>>,
    until: <C::Action as Payload>::Time,
    shared: &C::Shared,
    lookahead: <C::Action as Payload>::Time,
    threads: usize,
    budget: &Budget,
    sampling: &mut Sampling<C>,
) -> Stretch<C::Action> {
    let n = chips.len();
    let parts = threads.min(n);
    let loads: Vec<u64> = chips.iter().map(C::load).collect();
    let bounds = load_bounds(&loads, parts);
    let part_of = |chip: u32| bounds.partition_point(|&b| b <= chip as usize) - 1;
    let mut queues: Vec<EventQueue<C::Action>> =
        (0..parts).map(|_| EventQueue::default()).collect();
    for e in events {
        queues[part_of(e.chip())].push(e);
    }
    let inboxes: [Vec<Inbox<C::Action>>; 2] =
        std::array::from_fn(|_| (0..parts).map(|_| Mutex::new(Vec::new())).collect());
    let first_window = queues
        .iter_mut()
        .filter_map(|q| q.next_time())
        .min()
        .unwrap_or(SimTime::NEVER);
    let bounds_published: [Vec<AtomicU64>; 2] =
        std::array::from_fn(|_| (0..parts).map(|_| AtomicU64::new(u64::MAX)).collect());
    // Per window parity whether the budget is spent; [2]: whether the hook ended the run.
    let stops: [AtomicBool; 3] = std::array::from_fn(|_| AtomicBool::new(false));
    let barrier = WindowBarrier::new(parts);
    // Each partition's chips, locked by its thread while it runs windows and by partition 0's thread, all of
    // them, at a sampling point.
    let mut slices = Vec::with_capacity(parts);
    let mut rest = chips;
    for p in 0..parts {
        let (head, tail) = rest.split_at_mut(bounds[p + 1] - bounds[p]);
        slices.push(Mutex::new(head));
        rest = tail;
    }
    // The next sampling point as partition 0's thread publishes it after calling the hook.
    let next_sample = AtomicU64::new(sampling.next.ticks());
    let mut sampling = Some(sampling);
    let ends: Vec<(Vec<Event<C::Action>>, _, u64)> = std::thread::scope(|scope| {
        let handles: Vec<_> = queues
            .into_iter()
            .enumerate()
            .map(|(p, mut queue)| {
                let (inboxes, published, stops, barrier, bounds, part_of, slices, next_sample) = (
                    &inboxes,
                    &bounds_published,
                    &stops,
                    &barrier,
                    &bounds,
                    &part_of,
                    &slices,
                    &next_sample,
                );
                let mut sampling = if p == 0 { sampling.take() } else { None };
                scope.spawn(move || {
                    let first = bounds[p] as u32;
                    let mut outboxes: Vec<Vec<Event<C::Action>>> =
                        (0..parts).map(|_| Vec::new()).collect();
                    let mut window_start = first_window;
                    let mut ev = Event::placeholder();
                    let mut parity = 0;
                    let mut handled = 0u64;
                    let mut spent = false;
                    let mut sample_at = SimTime::from_ticks(next_sample.load(Ordering::Acquire));
                    let mut stopped_at = None;
                    let mut slice = slices[p].lock().expect("partition lock");
                    loop {
                        // Every event before `window_start` has been processed on every chip: the points up to
                        // it are due. Every thread reads the same published values, so all take part.
                        while stopped_at.is_none() && sample_at <= window_start.min(until) {
                            drop(slice);
                            barrier.wait();
                            if let Some(sampling) = &mut sampling {
                                let mut guards: Vec<_> = slices
                                    .iter()
                                    .map(|s| s.lock().expect("partition lock"))
                                    .collect();
                                let all = guards.iter_mut().map(|g| &mut ***g).collect();
                                sampling.call(&mut Chips::new(all));
                                next_sample.store(
                                    sampling.stopped_at.unwrap_or(sampling.next).ticks(),
                                    Ordering::Release,
                                );
                                stops[2].store(sampling.stopped_at.is_some(), Ordering::Release);
                            }
                            barrier.wait();
                            let at = SimTime::from_ticks(next_sample.load(Ordering::Acquire));
                            if stops[2].load(Ordering::Acquire) {
                                stopped_at = Some(at);
                            } else {
                                sample_at = at;
                            }
                            slice = slices[p].lock().expect("partition lock");
                        }
                        if stopped_at.is_some() || spent || window_start >= until {
                            break;
                        }
                        let window_end = window_start.after(lookahead).min(until).min(sample_at);
                        let mut sent_min = SimTime::NEVER;
                        while queue.pop_before(window_end, &mut ev) {
                            let mut sink = PartitionSink {
                                own: first..bounds[p + 1] as u32,
                                queue: &mut queue,
                                outboxes: &mut outboxes,
                                part_of,
                                sent_min: &mut sent_min,
                            };
                            slice[(ev.chip() - first) as usize].handle(&ev, shared, &mut sink);
                            handled += 1;
                        }
                        if p == 0 {
                            // The clock is read every window: under load one window can take a scheduler
                            // time slice, and a reading costs tens of nanoseconds against its hundreds.
                            let spent = budget.spent(handled, true);
                            stops[parity].store(spent, Ordering::Release);
                        }
                        for (q, out) in outboxes.iter_mut().enumerate() {
                            if !out.is_empty() {
                                inboxes[parity][q].lock().expect("inbox lock").append(out);
                            }
                        }
                        let own_next = queue.next_time().unwrap_or(SimTime::NEVER);
                        published[parity][p]
                            .store(own_next.min(sent_min).ticks(), Ordering::Release);
                        barrier.wait();
                        for e in inboxes[parity][p].lock().expect("inbox lock").drain(..) {
                            queue.push(e);
                        }
                        window_start = SimTime::from_ticks(
                            published[parity]
                                .iter()
                                .map(|t| t.load(Ordering::Acquire))
                                .min()
                                .unwrap_or(u64::MAX),
                        );
                        spent = stops[parity].load(Ordering::Acquire);
                        parity ^= 1;
                    }
                    let reached = stopped_at.unwrap_or(window_start.min(until));
                    (queue.into_vec(), reached, handled)
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
        assert_eq!(paying_threads(&busy_first(6), 4), 1);
        // Busy chips only in the first half: a second partition would be idle.
        assert_eq!(paying_threads(&busy_first(24), 4), 1);
        assert_eq!(paying_threads(&busy_first(32), 4), 2);
        assert_eq!(paying_threads(&[true; 48], 4), 4);
        assert_eq!(paying_threads(&[true; 48], 1), 1);
        assert_eq!(paying_threads(&[true; 3], 4), 1);
    }

    #[test]
    fn equal_loads_split_as_by_count() {
        for n in [2, 7, 48, 1000] {
            for parts in 1..=4 {
                assert_eq!(load_bounds(&vec![3; n], parts), bounds(n, parts));
            }
        }
    }

    /// All the load on the first 4 of 12 chips: 2 threads split them 2 and 2 (+ the idle rest); with 3 each
    /// inner bound holds the most chips within 1/3 and 2/3 of the load.
    #[test]
    fn a_skewed_load_is_split_by_load() {
        let loads = [10, 10, 10, 10, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(load_bounds(&loads, 2), [0, 2, 12]);
        assert_eq!(load_bounds(&loads, 3), [0, 1, 2, 12]);
    }
}
