//! Conservative parallel execution: one partition of chips per thread, synchronised every `lookahead`.
//!
//! Window protocol (every thread runs the same loop):
//! 1. process own events earlier than `window_end = window_start + lookahead`; events for chips of another
//!    partition go to that partition's inbox (they are at least `lookahead` later, so never inside this window);
//! 2. barrier; drain own inbox; publish the time of own next event;
//! 3. barrier; every thread takes the minimum published time as the next `window_start` (empty stretches of
//!    simulated time are skipped at once).

use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Barrier, Mutex};

use super::event::Event;
use super::{Application, ChipState};
use crate::router::config::NetworkParams;
use crate::time::Time;

/// Runs every event before `until` on `threads` threads; returns the events left for later.
pub(super) fn run<A: Application>(
    chips: &mut [ChipState<A>],
    events: Vec<Event>,
    until: Time,
    params: &NetworkParams,
    threads: usize,
) -> Vec<Event> {
    let n = chips.len();
    let parts = threads.min(n);
    // Partition p owns chips [bounds[p], bounds[p + 1]).
    let bounds: Vec<usize> = (0..=parts).map(|p| p * n / parts).collect();
    let part_of = |chip: u32| bounds.partition_point(|&b| b <= chip as usize) - 1;
    let mut heaps: Vec<BinaryHeap<Event>> = (0..parts).map(|_| BinaryHeap::new()).collect();
    for e in events {
        heaps[part_of(e.chip)].push(e);
    }
    let lookahead = params.lookahead();
    let inboxes: Vec<Mutex<Vec<Event>>> = (0..parts).map(|_| Mutex::new(Vec::new())).collect();
    let next: Vec<AtomicU64> = heaps
        .iter()
        .map(|h| AtomicU64::new(h.peek().map_or(Time::NEVER.0, |e| e.time.0)))
        .collect();
    let barrier = Barrier::new(parts);
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
            .zip(heaps)
            .enumerate()
            .map(|(p, (slice, mut heap))| {
                let (inboxes, next, barrier, bounds, part_of) =
                    (&inboxes, &next, &barrier, &bounds, &part_of);
                scope.spawn(move || {
                    let first = bounds[p] as u32;
                    let mut created = Vec::new();
                    let mut window_start = Time(
                        next.iter()
                            .map(|t| t.load(Ordering::Acquire))
                            .min()
                            .unwrap_or(u64::MAX),
                    );
                    barrier.wait();
                    while window_start < until {
                        let window_end = (window_start + lookahead).min(until);
                        while let Some(ev) = heap.peek().copied() {
                            if ev.time >= window_end {
                                break;
                            }
                            heap.pop();
                            slice[(ev.chip - first) as usize]
                                .handle(ev, params, &mut |e| created.push(e));
                            for e in created.drain(..) {
                                let q = part_of(e.chip);
                                if q == p {
                                    heap.push(e);
                                } else {
                                    inboxes[q].lock().expect("inbox lock").push(e);
                                }
                            }
                        }
                        barrier.wait();
                        heap.extend(inboxes[p].lock().expect("inbox lock").drain(..));
                        next[p].store(
                            heap.peek().map_or(Time::NEVER.0, |e| e.time.0),
                            Ordering::Release,
                        );
                        barrier.wait();
                        window_start = Time(
                            next.iter()
                                .map(|t| t.load(Ordering::Acquire))
                                .min()
                                .unwrap_or(u64::MAX),
                        );
                        // Everyone must have read `next` before anyone overwrites it in the next window.
                        barrier.wait();
                    }
                    heap.into_vec()
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
