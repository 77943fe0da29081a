//! When a neuron core's spikes leave. The background update sends neuron i's spike when the update reaches
//! neuron i (spec §4.2), and spike processing runs at a higher priority (§4.7): every spike processed while the
//! update runs pre-empts it and delays every send after that point. Packets that pre-empt the update arrive
//! after the timer that started it, so the sends cannot all be placed at the timer: they wait here, and the
//! core asks to be woken when the next one is due with the pre-emptions known so far. A pre-emption always
//! starts at or after the moment it becomes known, so a send whose time has come is final.

use std::collections::VecDeque;

use crate::runtime::cycles::CycleCosts;
use crate::time::Time;

use super::CoreOutput;

#[derive(Debug, Default)]
pub struct PendingSends {
    /// Start of the update the sends belong to.
    start: Time,
    /// (update cycles done when the spike is sent, key), in update order.
    sends: VecDeque<(u64, u32)>,
    /// Spike processing that pre-empted the update: (start, end), in time order.
    preemptions: Vec<(Time, Time)>,
    /// The token of the wake-up asked for last; earlier ones are stale.
    token: u64,
}

impl PendingSends {
    /// A new update starts at `start`; sends of an earlier one must have been flushed.
    pub fn begin(&mut self, start: Time) {
        debug_assert!(self.sends.is_empty());
        self.start = start;
        self.preemptions.clear();
    }

    /// Neuron `key` fires when the update has done `cycles` of work.
    pub fn push(&mut self, cycles: u64, key: u32) {
        self.sends.push_back((cycles, key));
    }

    /// Spike processing ran from `from` to `to` while the update was running.
    pub fn preempted(&mut self, from: Time, to: Time) {
        self.preemptions.push((from, to));
    }

    /// When the update will have done `cycles` of work, given the pre-emptions known so far.
    fn time_of(&self, cycles: u64) -> Time {
        let mut cursor = self.start;
        let mut left = CycleCosts::time(cycles);
        for &(from, to) in &self.preemptions {
            if from >= cursor + left {
                break;
            }
            if from > cursor {
                left = left - (from - cursor);
                cursor = from;
            }
            cursor = cursor.max(to);
        }
        cursor + left
    }

    /// Sends every spike due by `now` (every spike when `flush`: a new update is about to start, so the
    /// remaining ones go at the times known now) and asks to be woken for the next.
    pub fn emit(&mut self, now: Time, flush: bool, out: &mut CoreOutput<'_, '_>) {
        while let Some(&(cycles, key)) = self.sends.front() {
            let at = self.time_of(cycles);
            if at > now && !flush {
                self.token += 1;
                out.wake(at, self.token);
                return;
            }
            self.sends.pop_front();
            out.send(at, key, None);
        }
    }

    /// Whether a wake-up with `token` is the one asked for last.
    pub fn is_current(&self, token: u64) -> bool {
        token == self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(preemptions: &[(u64, u64)]) -> PendingSends {
        let cycles = |c: u64| Time::ZERO + CycleCosts::time(c);
        PendingSends {
            start: cycles(100),
            preemptions: preemptions
                .iter()
                .map(|&(a, b)| (cycles(a), cycles(b)))
                .collect(),
            ..PendingSends::default()
        }
    }

    #[test]
    fn a_send_is_delayed_by_the_preemptions_before_it_only() {
        let at =
            |p: &PendingSends, c: u64| (p.time_of(c) - Time::ZERO).0 / Time::TICKS_PER_CORE_CYCLE;
        let none = pending(&[]);
        assert_eq!(at(&none, 50), 150);
        // Processing from cycle 120 to 170 pre-empts the update 20 cycles in.
        let one = pending(&[(120, 170)]);
        assert_eq!(at(&one, 10), 110, "before the pre-emption");
        assert_eq!(at(&one, 20), 120, "exactly where it starts");
        assert_eq!(at(&one, 50), 200);
        // A pre-emption that starts after the send does not move it; one running when the update starts
        // holds the whole update back.
        assert_eq!(at(&pending(&[(300, 400)]), 50), 150);
        assert_eq!(at(&pending(&[(90, 130)]), 50), 180);
        assert_eq!(at(&pending(&[(110, 120), (125, 135)]), 50), 170);
    }
}
