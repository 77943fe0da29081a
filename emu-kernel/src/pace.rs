//! Whether the parallel windows pay, decided stretch by stretch while a multi-threaded run goes on.
//!
//! The parallel kernel pays when many chips are busy and every window holds enough work to hide its barrier;
//! on a small network, or on a host whose cores are taken by other work, one thread is faster (up to 100x, when
//! a partner thread waits for a core). Which mode runs does not change any result (each chip sees the same
//! events in the same order either way), so the kernel measures both: a run is cut into stretches of a short
//! wall-clock budget; each stretch runs in the mode with the better measured rate (events per wall second),
//! and after every [`EXPLORE_AFTER`] of wall time one stretch tries the other one, so a change of load or of
//! network activity is noticed. Trying the slower mode costs at most a quarter stretch in that time (2%),
//! however slow the mode: a run cut into many short calls (as `nmemu run` does, for its progress bar) does not
//! try it once per call.

use std::time::{Duration, Instant};

/// Wall-clock length of a stretch: long enough that starting threads (tens of microseconds) is noise, short
/// enough that a slow stretch costs little.
const STRETCH: Duration = Duration::from_millis(10);
/// Wall time between two tries of the mode measured slower.
const EXPLORE_AFTER: Duration = Duration::from_millis(160);
/// Events between two readings of the clock in a sequential stretch: a reading costs tens of nanoseconds.
pub(crate) const CLOCK_EVERY_EVENTS: u64 = 1024;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Mode {
    Sequential = 0,
    Parallel = 1,
}

/// When a stretch ends, at the first point where it may: after `max_events` events or at `deadline`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Budget {
    deadline: Option<Instant>,
    max_events: u64,
}

impl Budget {
    /// No limit but the run's end.
    pub(crate) fn unlimited() -> Budget {
        Budget {
            deadline: None,
            max_events: u64::MAX,
        }
    }

    /// Whether the stretch has run its course after `events` events; `read_clock` says whether to read
    /// the clock this time.
    #[inline]
    pub(crate) fn spent(&self, events: u64, read_clock: bool) -> bool {
        events >= self.max_events
            || (read_clock && self.deadline.is_some_and(|d| Instant::now() >= d))
    }
}

/// The mode chooser of one simulation. It only decides where the work runs, never what the results are.
#[derive(Clone, Debug)]
pub struct Pace {
    /// Events per wall second in each mode's latest stretch.
    rate: [Option<f64>; 2],
    /// Wall time run since the slower mode was last tried.
    since_explored: Duration,
    stretches: u64,
    stretch: Duration,
    max_events: u64,
    /// Parallel and sequential stretches in turn, whatever the rates (tests).
    alternate: bool,
}

impl Default for Pace {
    fn default() -> Self {
        Pace {
            rate: [None; 2],
            since_explored: Duration::ZERO,
            stretches: 0,
            stretch: STRETCH,
            max_events: u64::MAX,
            alternate: false,
        }
    }
}

impl Pace {
    /// Switches mode every stretch of about `max_events` events (a sequential stretch checks every 1,024 events,
    /// a parallel one after every window), whatever the rates: for tests that the switching itself leaves
    /// results unchanged.
    pub fn alternating(max_events: u64) -> Pace {
        Pace {
            max_events,
            alternate: true,
            ..Pace::default()
        }
    }

    /// The mode and budget of the next stretch.
    pub(crate) fn next(&mut self) -> (Mode, Budget) {
        let [seq, par] = self.rate;
        // A try (a mode not yet measured, or measured slower) gets a quarter of the budget: on a short run the
        // first try of the parallel windows is most of what they can cost.
        let (mode, trying) = match (par, seq) {
            _ if self.alternate => (
                [Mode::Parallel, Mode::Sequential][(self.stretches % 2) as usize],
                false,
            ),
            // Parallel first: a short run on several threads still goes through the parallel windows.
            (None, _) => (Mode::Parallel, true),
            (Some(_), None) => (Mode::Sequential, true),
            (Some(p), Some(s)) => {
                let best = if p > s {
                    Mode::Parallel
                } else {
                    Mode::Sequential
                };
                if self.since_explored >= EXPLORE_AFTER {
                    self.since_explored = Duration::ZERO;
                    (other(best), true)
                } else {
                    (best, false)
                }
            }
        };
        self.stretches += 1;
        let budget = Budget {
            deadline: Some(
                Instant::now()
                    + if trying {
                        self.stretch / 4
                    } else {
                        self.stretch
                    },
            ),
            max_events: self.max_events,
        };
        (mode, budget)
    }

    /// What a stretch in `mode` did: `events` events in `wall`.
    pub(crate) fn record(&mut self, mode: Mode, events: u64, wall: Duration) {
        self.since_explored += wall;
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

    /// Both modes are measured first, then the faster one runs and the slower one is tried again after every
    /// `EXPLORE_AFTER` of wall time, however many stretches that takes.
    #[test]
    fn the_faster_mode_runs_and_the_slower_is_retried_by_wall_time() {
        let mut pace = Pace::default();
        assert_eq!(pace.next().0, Mode::Parallel);
        pace.record(Mode::Parallel, 10, Duration::from_millis(1));
        assert_eq!(pace.next().0, Mode::Sequential);
        pace.record(Mode::Sequential, 1000, Duration::from_millis(1));
        // 1 ms stretches (a run called in short pieces): one try of the slower mode per 160 ms.
        let mut modes = Vec::new();
        for _ in 0..400 {
            let (mode, _) = pace.next();
            modes.push(mode);
            let events = if mode == Mode::Sequential { 1000 } else { 10 };
            pace.record(mode, events, Duration::from_millis(1));
        }
        let parallel = modes.iter().filter(|&&m| m == Mode::Parallel).count();
        assert_eq!(parallel, 2, "{modes:?}");
        // Parallel measured faster; the 2 s the measurements took make the sequential mode due for a try first.
        rates(&mut pace, 1.0, 3.0);
        let modes: Vec<Mode> = (0..16).map(|_| pace.next().0).collect();
        assert_eq!(modes[0], Mode::Sequential);
        assert_eq!(modes[1..], [Mode::Parallel; 15]);
    }

    /// A stretch without events (nothing happened) leaves the measured rates as they were.
    #[test]
    fn an_empty_stretch_measures_nothing() {
        let mut pace = Pace::default();
        rates(&mut pace, 2.0, 1.0);
        pace.record(Mode::Parallel, 0, Duration::from_millis(1));
        assert_eq!(pace.rate, [Some(2000.0), Some(1000.0)]);
    }

    #[test]
    fn alternating_switches_every_stretch() {
        let mut pace = Pace::alternating(10);
        pace.record(Mode::Parallel, 1, Duration::from_secs(1));
        pace.record(Mode::Sequential, 1000, Duration::from_millis(1));
        let modes: Vec<Mode> = (0..4).map(|_| pace.next().0).collect();
        assert_eq!(
            modes,
            [
                Mode::Parallel,
                Mode::Sequential,
                Mode::Parallel,
                Mode::Sequential
            ]
        );
    }
}
