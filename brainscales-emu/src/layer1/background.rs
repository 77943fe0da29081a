//! Background event generators: 8 per HICANN, generator i feeding background merger i (spec §2.6).
//!
//! Registers (halbe `BackgroundGenerator`): enable, 6-bit address, 16-bit period, random flag, LFSR seed.
//! The clock is the HICANN PLL (marocco's reading; the ESS comments say 4 ns system cycles, spec §2.6 U).
//!
//! - Regular mode: inter-spike interval = period + 1 cycles, so the register's 1..65,535 gives the
//!   documented 2..65,536.
//! - Random mode ("Poisson-like", 16-bit Galois LFSR): each interval is 1 + (LFSR mod period) cycles,
//!   uniform on 1..=period with mean (period + 1) / 2, so the full register gives the documented largest
//!   mean of 32,768; the spec gives no formula, this is the reading that fits its range. The LFSR
//!   (x^16 + x^14 + x^13 + x^11 + 1, taps 0xB400, maximal length 65,535) steps once per event; seed 0
//!   would lock it and is refused by [`BackgroundGenerator::check`].
//!
//! Production use is address-0 events that keep repeater and driver DLLs locked (marocco's default: all
//! 8, regular, period 125 → 1 MHz at 125 MHz, spec §2.6).

use serde::{Deserialize, Serialize};

/// Galois feedback taps of the 16-bit LFSR.
pub const LFSR_TAPS: u16 = 0xB400;

/// One step of the Galois LFSR.
pub fn lfsr_step(state: u16) -> u16 {
    let shifted = state >> 1;
    if state & 1 == 1 {
        shifted ^ LFSR_TAPS
    } else {
        shifted
    }
}

/// The registers of one background generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackgroundGenerator {
    pub enable: bool,
    /// 6-bit L1 address of its events.
    pub address: u8,
    pub period: u16,
    pub random: bool,
    pub seed: u16,
}

impl Default for BackgroundGenerator {
    /// Disabled; when enabled, marocco's locking setting (address 0, regular, period 125).
    fn default() -> Self {
        BackgroundGenerator {
            enable: false,
            address: 0,
            period: 125,
            random: false,
            seed: 1,
        }
    }
}

impl BackgroundGenerator {
    /// What is wrong with the registers, if anything (spec §8.2 rule 8).
    pub fn check(&self) -> Option<String> {
        if self.address >= 64 {
            return Some(format!("address {} is not 6-bit", self.address));
        }
        if self.enable && self.period == 0 {
            return Some("period 0 (the interval range starts at 2 cycles)".into());
        }
        if self.enable && self.random && self.seed == 0 {
            return Some("LFSR seed 0 locks the generator".into());
        }
        None
    }

    /// A running generator whose first event is one interval after `start_cycle`, or `None` if disabled.
    pub fn start(&self, start_cycle: u64) -> Option<BackgroundRun> {
        let mut run = BackgroundRun {
            generator: *self,
            lfsr: self.seed,
            next: start_cycle,
        };
        run.schedule();
        self.enable.then_some(run)
    }
}

/// A generator's state while running.
#[derive(Debug, Clone)]
pub struct BackgroundRun {
    generator: BackgroundGenerator,
    lfsr: u16,
    next: u64,
}

impl BackgroundRun {
    /// The PLL cycle of the next event.
    pub fn next_cycle(&self) -> u64 {
        self.next
    }

    pub fn address(&self) -> u8 {
        self.generator.address
    }

    /// Moves on to the event after the current one.
    pub fn schedule(&mut self) {
        let period = u64::from(self.generator.period);
        self.next += if self.generator.random {
            self.lfsr = lfsr_step(self.lfsr);
            1 + u64::from(self.lfsr) % period
        } else {
            period + 1
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lfsr_has_maximal_length() {
        // A primitive degree-16 polynomial visits all 65,535 nonzero states before repeating.
        let mut seen = vec![false; 65536];
        let mut s = 1u16;
        for _ in 0..65535 {
            assert!(!seen[usize::from(s)], "state {s} repeated early");
            seen[usize::from(s)] = true;
            s = lfsr_step(s);
        }
        assert_eq!(s, 1);
        assert!(!seen[0]);
    }

    #[test]
    fn regular_interval_is_period_plus_one() {
        let bg = BackgroundGenerator {
            enable: true,
            period: 124,
            ..BackgroundGenerator::default()
        };
        let mut run = bg.start(0).unwrap();
        let cycles: Vec<u64> = (0..4)
            .map(|_| {
                let c = run.next_cycle();
                run.schedule();
                c
            })
            .collect();
        assert_eq!(cycles, [125, 250, 375, 500]);
        assert!(BackgroundGenerator::default().start(0).is_none());
    }

    #[test]
    fn random_mean_interval_is_half_the_period() {
        // Uniform on 1..=p: mean (p + 1) / 2 = 500.5 for p = 1000, sd of the mean over 10^4 draws
        // sqrt((p^2 - 1) / 12 / 10^4) = 2.9; a 5 sd band.
        let bg = BackgroundGenerator {
            enable: true,
            period: 1000,
            random: true,
            seed: 0xACE1,
            ..BackgroundGenerator::default()
        };
        let mut run = bg.start(0).unwrap();
        let n = 10_000;
        for _ in 0..n {
            run.schedule();
        }
        let mean = run.next_cycle() as f64 / (n + 1) as f64;
        assert!((mean - 500.5).abs() < 5.0 * 2.9, "mean {mean}");
        let locked = BackgroundGenerator { seed: 0, ..bg };
        assert!(locked.check().is_some());
    }
}
