//! Whether the parallel windows pay, decided stretch by stretch while a multi-threaded run goes on.
//!
//! The parallel kernel pays when many chips are busy and every window holds enough work to hide its barrier;
//! on a small network, or on a host whose cores are taken by other work, one thread is faster (up to 100x, when
//! a partner thread waits for a core). Which mode runs does not change any result (each chip sees the same
//! events in the same order either way), so the kernel measures both: a run is cut into stretches of a short
//! wall-clock budget; each stretch runs in the mode with the better measured rate (events per wall second),
//! and every [`EXPLORE_EVERY`]th stretch tries the other one, so a change of load or of network activity is
//! noticed. The cost of trying the slower mode is bounded by its share of stretches.

use std::time::{Duration, Instant};

/// Wall-clock length of a stretch: long enough that starting threads (tens of microseconds) is noise, short
/// enough that a slow stretch costs little.
const STRETCH: Duration = Duration::from_millis(20);
/// One stretch in this many runs in the mode measured slower.
const EXPLORE_EVERY: u64 = 8;
/// Events between two readings of the clock in a sequential stretch: a reading costs tens of nanoseconds.
pub(super) const CLOCK_EVERY_EVENTS: u64 = 1024;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Mode {
    Sequential = 0,
    Parallel = 1,
}

/// When a stretch ends, at the first point where it may: after `max_events` events or at `deadline`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Budget {
    deadline: Option<Instant>,
    max_events: u64,
}

impl Budget {
    /// No limit but the run's end.
    pub(super) fn unlimited() -> Budget {
        Budget {
            deadline: None,
            max_events: u64::MAX,
        }
    }

    /// Whether the stretch has run its course after `events` events; `read_clock` says whether to read
    /// the clock this time.
    #[inline]
    pub(super) fn spent(&self, events: u64, read_clock: bool) -> bool {
        events >= self.max_events
            || (read_clock && self.deadline.is_some_and(|d| Instant::now() >= d))
    }
}

/// The mode chooser of one simulation. It only decides where the work runs, never what the results are.
#[derive(Clone, Debug)]
pub struct Pace {
    /// Events per wall second in each mode's latest stretch.
    rate: [Option<f64>; 2],
    stretches: u64,
    stretch: Duration,
    max_events: u64,
    explore_every: u64,
}

impl Default for Pace {
    fn default() -> Self {
        Pace {
            rate: [None; 2],
            stretches: 0,
            stretch: STRETCH,
            max_events: u64::MAX,
            explore_every: EXPLORE_EVERY,
        }
    }
}

impl Pace {
    /// Switches mode every stretch of about `max_events` events (sequential stretches check every 1,024), whatever
    /// the rates: for tests that the switching itself leaves results unchanged.
    pub fn alternating(max_events: u64) -> Pace {
        Pace {
            max_events,
            explore_every: 1,
            ..Pace::default()
        }
    }

    /// The mode and budget of the next stretch.
    pub(super) fn next(&mut self) -> (Mode, Budget) {
        let measured_best = match self.rate {
            [None, _] => None,
            [Some(_), None] => Some(Mode::Sequential),
            [Some(s), Some(p)] => Some(if p > s {
                Mode::Parallel
            } else {
                Mode::Sequential
            }),
        };
        let mode = match measured_best {
            None => Mode::Sequential,
            Some(_) if self.rate[Mode::Parallel as usize].is_none() => Mode::Parallel,
            Some(best) if self.stretches % self.explore_every == 0 => other(best),
            Some(best) => best,
        };
        self.stretches += 1;
        let budget = Budget {
            deadline: Some(Instant::now() + self.stretch),
            max_events: self.max_events,
        };
        (mode, budget)
    }

    /// What a stretch in `mode` did: `events` events in `wall`.
    pub(super) fn record(&mut self, mode: Mode, events: u64, wall: Duration) {
        if events > 0 {
            self.rate[mode as usize] = Some(events as f64 / wall.as_secs_f64().max(1e-9));
        }
    }
}

fn other(mode: Mode) -> Mode {
    match mode {
        Mode::Sequential => Mode::Parallel,
        Mode::Parallel => Mode::Sequential,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rates(pace: &mut Pace, seq: f64, par: f64) {
        pace.record(
            Mode::Sequential,
            (seq * 1000.0) as u64,
            Duration::from_millis(1000),
        );
        pace.record(
            Mode::Parallel,
            (par * 1000.0) as u64,
            Duration::from_millis(1000),
        );
    }

    /// Both modes are measured first, then the faster one runs and the slower one is tried again now and then.
    #[test]
    fn the_faster_mode_runs_most_stretches() {
        let mut pace = Pace::default();
        assert_eq!(pace.next().0, Mode::Sequential);
        pace.record(Mode::Sequential, 1000, Duration::from_millis(1));
        assert_eq!(pace.next().0, Mode::Parallel);
        pace.record(Mode::Parallel, 10, Duration::from_millis(1));
        let modes: Vec<Mode> = (0..16).map(|_| pace.next().0).collect();
        let parallel = modes.iter().filter(|&&m| m == Mode::Parallel).count();
        assert_eq!(parallel, 2, "{modes:?}");
        rates(&mut pace, 1.0, 3.0);
        let modes: Vec<Mode> = (0..16).map(|_| pace.next().0).collect();
        let sequential = modes.iter().filter(|&&m| m == Mode::Sequential).count();
        assert_eq!(sequential, 2, "{modes:?}");
    }

    /// A stretch without events (nothing happened) leaves the measured rates as they were.
    #[test]
    fn an_empty_stretch_measures_nothing() {
        let mut pace = Pace::default();
        rates(&mut pace, 2.0, 1.0);
        pace.record(Mode::Parallel, 0, Duration::from_millis(1));
        assert_eq!(pace.rate, [Some(2000.0), Some(1000.0)]);
    }
}
