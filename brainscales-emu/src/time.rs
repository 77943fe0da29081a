//! Hardware time on the wafer and the speed-up that relates it to biological time.
//!
//! The wafer runs in continuous analog time; its digital parts are clocked by the HICANN PLL (100, 125,
//! 150, 175, 200, 225 or 250 MHz, default 125 MHz) and the 250 MHz Layer-2 system time (4 ns per stamp)
//! (spec §1.3, §8.3). [`HwTime`] counts ticks of 1/63 ns: 63 GHz is the least common multiple of all those
//! clocks, so every clock edge of every setting falls exactly on a tick and event order never depends on
//! rounding. A u64 of such ticks spans 9 years of hardware time.

use std::fmt;
use std::ops::{Add, Sub};

/// Ticks of [`HwTime`] per hardware nanosecond.
pub const TICKS_PER_NS: u64 = 63;

/// A point or span of hardware time in ticks of 1/63 ns.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct HwTime(pub u64);

/// The event kernel's time ([`emu_kernel`]): one kernel tick is one 1/63 ns tick, exact for every clock.
impl emu_kernel::SimTime for HwTime {
    const ZERO: HwTime = HwTime(0);
    const NEVER: HwTime = HwTime(u64::MAX);

    #[inline]
    fn ticks(self) -> u64 {
        self.0
    }

    #[inline]
    fn from_ticks(ticks: u64) -> HwTime {
        HwTime(ticks)
    }
}

impl HwTime {
    pub const ZERO: HwTime = HwTime(0);

    pub fn from_ns(ns: u64) -> HwTime {
        HwTime(ns * TICKS_PER_NS)
    }

    /// The nearest tick to `seconds` of hardware time (analog events, such as a membrane crossing
    /// threshold, land on the grid here).
    pub fn from_seconds(seconds: f64) -> HwTime {
        HwTime((seconds * 1e9 * TICKS_PER_NS as f64).round() as u64)
    }

    pub fn seconds(self) -> f64 {
        self.0 as f64 / (1e9 * TICKS_PER_NS as f64)
    }

    /// One period of a clock of `mhz` (an exact number of ticks for every HICANN and system clock).
    pub fn clock_period(mhz: u32) -> HwTime {
        debug_assert_eq!(1000 * TICKS_PER_NS % u64::from(mhz), 0);
        HwTime(1000 * TICKS_PER_NS / u64::from(mhz))
    }
}

impl Add for HwTime {
    type Output = HwTime;
    fn add(self, rhs: HwTime) -> HwTime {
        HwTime(self.0 + rhs.0)
    }
}

impl Sub for HwTime {
    type Output = HwTime;
    fn sub(self, rhs: HwTime) -> HwTime {
        HwTime(self.0 - rhs.0)
    }
}

impl fmt::Display for HwTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.3} ns", self.0 as f64 / TICKS_PER_NS as f64)
    }
}

/// HICANN PLL settings (MHz) the hardware offers (sthal `FPGAShared`).
pub const PLL_MHZ: [u32; 7] = [100, 125, 150, 175, 200, 225, 250];
/// Layer-2 system time: 250 MHz, 4 ns per stamp.
pub const SYSTEM_CLOCK_MHZ: u32 = 250;

/// How much faster than biology the wafer runs. The circuits reach it by switching the leak current
/// mirrors' divisors and the capacitor (spec §1.4): each setting has its own reachable parameter ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum SpeedUp {
    /// 10^3: I_gl divisor 27 (sthal `SLOW`); the product's default.
    Slow,
    /// 10^4: I_gl divisor 3, the hardware's nominal mode (sthal `NORMAL`).
    Normal,
    /// 10^5: I_gl divisor 1 (sthal `FAST`).
    Fast,
}

impl SpeedUp {
    pub fn factor(self) -> f64 {
        match self {
            SpeedUp::Slow => 1e3,
            SpeedUp::Normal => 1e4,
            SpeedUp::Fast => 1e5,
        }
    }

    /// The setting for a factor of exactly 1e3, 1e4 or 1e5.
    pub fn from_factor(factor: f64) -> Option<SpeedUp> {
        [SpeedUp::Slow, SpeedUp::Normal, SpeedUp::Fast]
            .into_iter()
            .find(|s| s.factor() == factor)
    }

    /// Hardware seconds for `bio_seconds` of biological time.
    pub fn to_hardware(self, bio_seconds: f64) -> f64 {
        bio_seconds / self.factor()
    }

    /// Biological seconds for `hw_seconds` of hardware time.
    pub fn to_bio(self, hw_seconds: f64) -> f64 {
        hw_seconds * self.factor()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_clock_is_exact() {
        for mhz in PLL_MHZ.into_iter().chain([SYSTEM_CLOCK_MHZ]) {
            let period = HwTime::clock_period(mhz);
            assert_eq!(period.0 * u64::from(mhz), 1000 * TICKS_PER_NS);
        }
        assert_eq!(HwTime::clock_period(250), HwTime::from_ns(4));
    }

    #[test]
    fn speed_up_round_trips() {
        for s in [SpeedUp::Slow, SpeedUp::Normal, SpeedUp::Fast] {
            assert_eq!(SpeedUp::from_factor(s.factor()), Some(s));
            assert!((s.to_bio(s.to_hardware(0.25)) - 0.25).abs() < 1e-15);
        }
        assert_eq!(SpeedUp::from_factor(2e3), None);
        assert!((HwTime::from_seconds(1e-6).seconds() - 1e-6).abs() < 1e-18);
    }
}
