//! `emu-kernel`: the machine-independent discrete-event kernel of nmemu's emulators.
//!
//! - [`SimTime`]: simulated time as whole ticks of a machine's own clock.
//! - [`Event`]: an action at a time on a chip, in a stable (time, tie) order that never depends on threads.
//! - [`EventQueue`]: a two-level timing wheel with the order of a priority queue.
//! - [`run`]: processes every event before a time, on one thread in one global order or on several in
//!   conservative parallel windows, switching between the two as [`Pace`] measures faster.
//!
//! A machine plugs in through [`Chip`]: its unit of state (a SpiNNaker chip with its router and cores) and how
//! one event changes it. Chips interact only through events at least a lookahead later than their cause (links
//! slower than the window), so each chip sees the same events in the same order whatever the partitioning, and
//! results are bit-identical for any thread count. The kernel knows nothing of packets, routers or neurons.
//!
//! Everything on the hot path is generic and monomorphised in the machine's crate, so queue operations inline
//! into the machine's handlers across the crate boundary.

mod barrier;
mod event;
mod pace;
mod parallel;
mod queue;
mod sample;
mod sequential;
mod time;

pub use event::{Event, EventSink, MAX_CHIPS, MAX_CLASSES, MAX_PORTS, Payload};
pub use pace::Pace;
pub use parallel::{MIN_BUSY_CHIPS_PER_THREAD, paying_threads};
pub use queue::EventQueue;
pub use sample::{Chips, Hook};
pub use time::{SimTime, Ticks};

use pace::{Budget, Mode};
use sample::{Sampling, TimeOf};

/// One unit of a machine's state that events happen on, with its own queue order.
pub trait Chip: Send {
    type Action: Payload;
    /// What every chip's handler reads and none writes during a run (SpiNNaker: the link and router timing).
    type Shared: Sync;

    /// Applies `ev` (on this chip); the events it causes go to `sink`. An event for another chip must be at
    /// least the run's lookahead later than `ev`.
    fn handle(
        &mut self,
        ev: &Event<Self::Action>,
        shared: &Self::Shared,
        sink: &mut impl EventSink<Self::Action>,
    );

    /// The work this chip is expected to hold relative to the others (e.g. neurons and synapse rows in
    /// use): a parallel run gives each thread a contiguous range of chips of about equal total load
    /// rather than of equal count. It decides only where the work runs, never the results.
    #[inline]
    fn load(&self) -> u64 {
        1
    }

    /// Asks the cache for what the next event on this chip will read first, while the current one is handled
    /// (sequential runs only).
    #[inline]
    fn prefetch(&self) {}
}

/// Runs every event of `events` before `until` (and those they cause) on `chips` on up to `threads` host
/// threads; returns the events left for later. Events on different chips interact only `lookahead` or more
/// apart. With more than one thread the run goes on in stretches, each parallel or sequential as `pace`
/// finds faster; the results never depend on either.
pub fn run<C: Chip>(
    chips: &mut [C],
    events: Vec<Event<C::Action>>,
    until: TimeOf<C>,
    shared: &C::Shared,
    lookahead: TimeOf<C>,
    threads: usize,
    pace: &mut Pace,
) -> Vec<Event<C::Action>> {
    let mut never = |_: &mut Chips<'_, C>, _: TimeOf<C>| None;
    let (leftovers, _) = run_sampled(
        chips,
        events,
        until,
        shared,
        lookahead,
        (threads, pace),
        (TimeOf::<C>::NEVER, &mut never),
    );
    leftovers
}

/// [`run`], calling `hook` at `first` and at each later point it asks for, up to `until`, with every
/// event before the point processed and none after it, on whichever thread; the hook may end the run at a
/// point. Returns the events left for later and the time the run reached: `until`, or the point where the
/// hook ended it. Neither the points nor the hook's reading of the chips change any result.
pub fn run_sampled<C: Chip>(
    chips: &mut [C],
    events: Vec<Event<C::Action>>,
    until: TimeOf<C>,
    shared: &C::Shared,
    lookahead: TimeOf<C>,
    (threads, pace): (usize, &mut Pace),
    (first, hook): (TimeOf<C>, &mut dyn Hook<C>),
) -> (Vec<Event<C::Action>>, TimeOf<C>) {
    let mut sampling = Sampling::new(first, hook);
    if threads <= 1 || chips.len() < 2 {
        let s = sequential::run(
            chips,
            events,
            until,
            shared,
            &Budget::unlimited(),
            &mut sampling,
        );
        return (s.leftovers, s.reached);
    }
    let (mut events, mut reached) = (events, SimTime::ZERO);
    while reached < until && sampling.stopped_at.is_none() {
        let (mode, budget) = pace.next();
        let started = std::time::Instant::now();
        let stretch = match mode {
            Mode::Sequential => {
                sequential::run(chips, events, until, shared, &budget, &mut sampling)
            }
            Mode::Parallel => parallel::run(
                chips,
                events,
                until,
                shared,
                lookahead,
                threads,
                &budget,
                &mut sampling,
            ),
        };
        pace.record(mode, stretch.events, started.elapsed());
        (events, reached) = (stretch.leftovers, stretch.reached);
    }
    (events, reached)
}

/// Where a stretch of a run stopped.
struct Stretch<A: Payload> {
    /// Events not yet processed.
    leftovers: Vec<Event<A>>,
    /// Every event before this time has been processed, none after it.
    reached: A::Time,
    /// Events processed.
    events: u64,
}

#[cfg(test)]
mod tests;

/// Hints the CPU to load the cache line holding `value`.
#[inline(always)]
pub fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint without architectural effect; it cannot fault, even on a bad address.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}
