//! The conservative window loop: every unit (HICANN) runs the same window `[start, end)` independently, in
//! parallel; the events it sends to other units land no earlier than `end` (the window is the minimum
//! Layer-1 latency), so they are exchanged at the boundary and nothing is ever late.
//!
//! Deliberately narrow (a [`Unit`] trait and one function) so that it can move onto the shared
//! conservative-window runner that is being extracted from `spinnaker-emu` into an `emu-kernel` crate
//! (issue 15, "one kernel for two machines"); until then it lives here.
//!
//! Determinism: units are split into chunks of [`CHUNK`] (a constant, never derived from the thread
//! count); a unit's window depends only on its own state and its inbox, which the unit orders itself
//! (by time, source and source sequence), so results are bit-identical on any number of threads.
//! Windows in which no unit wakes ([`Unit::wake`]) are skipped whole.

use crate::time::HwTime;
use rayon::prelude::*;

/// Units per parallel task.
pub const CHUNK: usize = 4;

/// One independently stepped part of the machine.
pub(super) trait Unit: Send {
    type Event: Send;
    /// The earliest time the unit has something to do (`HwTime::ZERO`: every window).
    fn wake(&self) -> HwTime;
    /// Runs the window `[start, end)`.
    fn step(&mut self, start: HwTime, end: HwTime);
    /// The events the last windows produced for other units, as (unit index, event).
    fn outbox(&mut self) -> &mut Vec<(u32, Self::Event)>;
    /// Takes an event from another unit.
    fn receive(&mut self, event: Self::Event);
}

/// Runs `units` from `start` to `until` in windows of `window` on the grid `start + k window`.
pub(super) fn run<U: Unit>(units: &mut [U], start: HwTime, until: HwTime, window: HwTime) {
    assert!(window > HwTime::ZERO, "the window must be positive");
    let mut t = start;
    let mut mail: Vec<(u32, U::Event)> = Vec::new();
    while t < until {
        let wake = units.iter().map(Unit::wake).min().unwrap_or(until);
        if wake >= until {
            return;
        }
        if wake >= t + window {
            let skip = (wake.0 - t.0) / window.0;
            t = HwTime(t.0 + skip * window.0);
        }
        let end = (t + window).min(until);
        units.par_chunks_mut(CHUNK).for_each(|chunk| {
            for u in chunk {
                if u.wake() < end {
                    u.step(t, end);
                }
            }
        });
        for i in 0..units.len() {
            std::mem::swap(&mut mail, units[i].outbox());
            for (target, event) in mail.drain(..) {
                units[target as usize].receive(event);
            }
        }
        t = end;
    }
}
