//! Simulated time as the kernel sees it: a count of a machine's own clock ticks.
//!
//! Each machine chooses its tick so that its clocks are exact integers (SpiNNaker: 2.5 ns PLL1 ticks, in which
//! both the 133 MHz router and the 200 MHz core clock are whole); the kernel only compares times, adds its
//! lookahead and buckets events by tick, so it takes any such type through [`SimTime`].

use std::fmt::Debug;

/// A machine's time type: a point in (or span of) simulated time, as a whole number of its ticks.
pub trait SimTime: Copy + Ord + Debug + Send + Sync + 'static {
    const ZERO: Self;
    /// Later than any event: "never" for empty queues.
    const NEVER: Self;
    fn ticks(self) -> u64;
    fn from_ticks(ticks: u64) -> Self;

    /// `self + span`, saturating at [`SimTime::NEVER`].
    #[inline]
    fn after(self, span: Self) -> Self {
        Self::from_ticks(self.ticks().saturating_add(span.ticks()))
    }
}

/// Ticks of no particular clock: for machines still to come and for the kernel's own tests.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct Ticks(pub u64);

impl SimTime for Ticks {
    const ZERO: Ticks = Ticks(0);
    const NEVER: Ticks = Ticks(u64::MAX);

    #[inline]
    fn ticks(self) -> u64 {
        self.0
    }

    #[inline]
    fn from_ticks(ticks: u64) -> Ticks {
        Ticks(ticks)
    }
}
