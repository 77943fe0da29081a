//! Simulated time, in ticks of the chip's PLL1.
//!
//! SCAMP programs PLL1 to 400 MHz and derives the CPU clock as PLL1/2 (200 MHz) and the router and system-bus
//! clock as PLL1/3 (133 1/3 MHz) (spec §0, §1.1, `scamp-3.c:pll_init`). Counting time in PLL1 ticks of 2.5 ns
//! makes both clocks exact integers (a router cycle is 3 ticks, a core cycle 2), so events stamped in either
//! clock order exactly, with no rounding.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// A point in (or span of) simulated time, in 2.5 ns PLL1 ticks.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct Time(pub u64);

impl Time {
    pub const ZERO: Time = Time(0);
    /// Later than any event: "never" for blocked outputs and empty queues.
    pub const NEVER: Time = Time(u64::MAX);
    /// PLL1 frequency.
    pub const TICKS_PER_SECOND: u64 = 400_000_000;
    pub const TICKS_PER_MS: u64 = Self::TICKS_PER_SECOND / 1000;
    pub const TICKS_PER_US: u64 = Self::TICKS_PER_MS / 1000;
    /// Router clock = PLL1 / 3 (133 1/3 MHz).
    pub const TICKS_PER_ROUTER_CYCLE: u64 = 3;
    /// CPU clock = PLL1 / 2 (200 MHz).
    pub const TICKS_PER_CORE_CYCLE: u64 = 2;

    pub const fn from_router_cycles(cycles: u64) -> Time {
        Time(cycles * Self::TICKS_PER_ROUTER_CYCLE)
    }

    pub const fn from_core_cycles(cycles: u64) -> Time {
        Time(cycles * Self::TICKS_PER_CORE_CYCLE)
    }

    pub const fn from_us(us: u64) -> Time {
        Time(us * Self::TICKS_PER_US)
    }

    /// Nearest tick to `ns` nanoseconds.
    pub fn from_ns(ns: f64) -> Time {
        Time((ns * Self::TICKS_PER_SECOND as f64 / 1e9).round().max(0.0) as u64)
    }

    /// Nearest tick to `ms` milliseconds.
    pub fn from_ms(ms: f64) -> Time {
        Time((ms * Self::TICKS_PER_MS as f64).round().max(0.0) as u64)
    }

    pub fn as_ns(self) -> f64 {
        self.0 as f64 * 1e9 / Self::TICKS_PER_SECOND as f64
    }

    pub fn as_ms(self) -> f64 {
        self.0 as f64 / Self::TICKS_PER_MS as f64
    }

    pub fn as_router_cycles(self) -> f64 {
        self.0 as f64 / Self::TICKS_PER_ROUTER_CYCLE as f64
    }

    pub fn saturating_sub(self, other: Time) -> Time {
        Time(self.0.saturating_sub(other.0))
    }
}

/// The kernel counts time in these ticks.
impl emu_kernel::SimTime for Time {
    const ZERO: Time = Time::ZERO;
    const NEVER: Time = Time::NEVER;

    #[inline(always)]
    fn ticks(self) -> u64 {
        self.0
    }

    #[inline(always)]
    fn from_ticks(ticks: u64) -> Time {
        Time(ticks)
    }
}

impl Add for Time {
    type Output = Time;
    fn add(self, rhs: Time) -> Time {
        Time(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign for Time {
    fn add_assign(&mut self, rhs: Time) {
        *self = *self + rhs;
    }
}

impl Sub for Time {
    type Output = Time;
    fn sub(self, rhs: Time) -> Time {
        Time(self.0 - rhs.0)
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.1} ns", self.as_ns())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_are_exact() {
        assert_eq!(Time::from_router_cycles(400).as_ns(), 3000.0);
        assert_eq!(Time::from_core_cycles(200_000), Time::from_ms(1.0));
        assert_eq!(Time::from_us(10), Time::from_ns(10_000.0));
        assert_eq!(Time::NEVER + Time(5), Time::NEVER);
    }
}
