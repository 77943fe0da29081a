//! On-chip STDP: the configuration of one array's plasticity controller, the correlation evaluation and the
//! weight look-up tables (spec §4.1; halbe `SynapseController`, `STDPLUT`, `STDPEvaluationPattern`; NEST
//! `stdp_facetshw_synapse_hom`, the published model of this hardware).
//!
//! Every synapse has a causal and an acausal capacitor. A pairing adds charge exp(-|dt| / tau) (reduced
//! symmetric nearest-neighbour pairing: a post spike pairs with the last pre spike if no post spike came
//! between; a pre spike pairs with the last post spike if no pre spike came between). The controller opens
//! one row after the other, evaluates every synapse into two bits through two patterns and two thresholds,
//! updates its weight through one of three LUTs and clears its capacitors. Charges are in units of one
//! pairing at dt = 0.
//!
//! Figures the sources do not give for HICANN (spec §4.1, §9) are named parameters: the time per row
//! ([`DEFAULT_ROW_TIME_S`], an estimate), tau ([`DEFAULT_TAU_S`]) and the thresholds
//! ([`DEFAULT_THRESHOLD`]).

use super::ConfigError;
use super::array::{MAX_NIBBLE, ROWS_PER_ARRAY};
use serde::{Deserialize, Serialize};

/// Time the controller spends on one row, hardware seconds: an estimate from register timings (spec §4.1:
/// "~us per row", i.e. 8 column sets of read, evaluate and write at a few 8 ns cycles each), not a
/// measured HICANN figure. A full sweep of 224 rows then takes 224 us (2.24 s biological at 10^4).
pub const DEFAULT_ROW_TIME_S: f64 = 1e-6;
/// STDP time constant, hardware seconds: NEST's model default 20 ms (biological) at the nominal speed-up
/// 10^4; the HICANN circuit's value was not found (spec §9).
pub const DEFAULT_TAU_S: f64 = 2e-6;
/// Both thresholds, in pairings: NEST's model default, 36 pairings at dt = tau / 2 (36 exp(-1/2)).
pub const DEFAULT_THRESHOLD: f64 = 21.835;

/// Which capacitors an evaluation pattern shares with the thresholds (halbe `STDPEvaluationPattern`:
/// `cc`, `ca`, `ac`, `aa`; NEST `configbit` [e_cc, e_ca, e_ac, e_aa]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EvaluationPattern {
    pub cc: bool,
    pub ca: bool,
    pub ac: bool,
    pub aa: bool,
}

impl EvaluationPattern {
    /// NEST's formula (spec §4.1): (V_tl + e_ac a_c + e_ca a_a) / (1 + e_ac + e_ca) >
    /// (V_th + e_cc a_c + e_aa a_a) / (1 + e_cc + e_aa).
    pub fn evaluate(self, causal: f64, acausal: f64, high: f64, low: f64) -> bool {
        let (cc, ca, ac, aa) = (
            f64::from(u8::from(self.cc)),
            f64::from(u8::from(self.ca)),
            f64::from(u8::from(self.ac)),
            f64::from(u8::from(self.aa)),
        );
        (low + ac * causal + ca * acausal) / (1.0 + ac + ca)
            > (high + cc * causal + aa * acausal) / (1.0 + cc + aa)
    }
}

/// A 16-entry weight table, 4-bit to 4-bit.
pub type Lut = [u8; 16];

/// NEST's default causal LUT (intermediate Guetig, mu = 0.4, 4 bits, 36 pairings; Pfeil et al. 2012).
pub const NEST_CAUSAL_LUT: Lut = [2, 3, 4, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 14, 15];
/// NEST's default acausal LUT.
pub const NEST_ACAUSAL_LUT: Lut = [0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 11, 12, 13];
/// The identity: the combined case leaves weights alone by default.
pub const IDENTITY_LUT: Lut = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

/// The configuration of one array's plasticity controller.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StdpConfig {
    /// Pairing time constant, hardware seconds (> 0).
    pub tau_s: f64,
    /// V_th and V_tl of the formula, in pairings.
    pub threshold_high: f64,
    pub threshold_low: f64,
    /// The two evaluation patterns; bits (1, 0) select `causal`, (0, 1) `acausal`, (1, 1) `combined`,
    /// (0, 0) leaves the synapse alone.
    pub patterns: [EvaluationPattern; 2],
    pub causal: Lut,
    pub acausal: Lut,
    pub combined: Lut,
    /// Clear both capacitors of a synapse whose weight was updated (the hardware's reset pattern is all or
    /// nothing; halbe's `without_reset` is `false` here).
    pub reset: bool,
    /// Rows of the array (0..224) swept, `first_row..=last_row`.
    pub first_row: u8,
    pub last_row: u8,
    /// Restart after the last row (halbe "continuous"); otherwise one sweep.
    pub continuous: bool,
    /// Time per row, hardware seconds (> 0).
    pub row_time_s: f64,
    /// Hardware time at which the controller starts; its first row completes one row time later.
    pub start_s: f64,
}

impl Default for StdpConfig {
    /// NEST's model defaults, the whole array, continuously.
    fn default() -> StdpConfig {
        StdpConfig {
            tau_s: DEFAULT_TAU_S,
            threshold_high: DEFAULT_THRESHOLD,
            threshold_low: DEFAULT_THRESHOLD,
            patterns: [
                EvaluationPattern {
                    ac: true,
                    ..EvaluationPattern::default()
                },
                EvaluationPattern {
                    ca: true,
                    ..EvaluationPattern::default()
                },
            ],
            causal: NEST_CAUSAL_LUT,
            acausal: NEST_ACAUSAL_LUT,
            combined: IDENTITY_LUT,
            reset: true,
            first_row: 0,
            last_row: (ROWS_PER_ARRAY - 1) as u8,
            continuous: true,
            row_time_s: DEFAULT_ROW_TIME_S,
            start_s: 0.0,
        }
    }
}

impl StdpConfig {
    pub(crate) fn validate(&self, array: usize) -> Result<(), ConfigError> {
        let bad = |reason: &'static str| ConfigError::Stdp { array, reason };
        let luts = [self.causal, self.acausal, self.combined];
        if luts.iter().flatten().any(|&w| w > MAX_NIBBLE) {
            return Err(bad("a LUT entry is above 15"));
        }
        if self.first_row > self.last_row || usize::from(self.last_row) >= ROWS_PER_ARRAY {
            return Err(bad("rows must satisfy first_row <= last_row < 224"));
        }
        let positive = |x: f64| x.is_finite() && x > 0.0;
        if !positive(self.tau_s) || !positive(self.row_time_s) {
            return Err(bad("tau_s and row_time_s must be positive"));
        }
        let finite = self.threshold_high.is_finite() && self.threshold_low.is_finite();
        if !(finite && self.start_s.is_finite() && self.start_s >= 0.0) {
            return Err(bad("thresholds and start_s must be finite, start_s >= 0"));
        }
        Ok(())
    }

    /// The causal, acausal and combined LUT, in the order [`lut_index`] counts.
    pub(crate) fn luts(&self) -> [&Lut; 3] {
        [&self.causal, &self.acausal, &self.combined]
    }

    pub(crate) fn evaluate(&self, causal: f64, acausal: f64) -> (bool, bool) {
        let [p0, p1] = self.patterns;
        let (h, l) = (self.threshold_high, self.threshold_low);
        (
            p0.evaluate(causal, acausal, h, l),
            p1.evaluate(causal, acausal, h, l),
        )
    }
}

/// The LUT (0 causal, 1 acausal, 2 combined) the two evaluation bits select; (0, 0) selects none.
pub(crate) fn lut_index(bits: (bool, bool)) -> Option<usize> {
    match bits {
        (true, false) => Some(0),
        (false, true) => Some(1),
        (true, true) => Some(2),
        (false, false) => None,
    }
}

/// Which way a LUT moves weights: any entry above its index potentiates, any below depresses. A LUT that
/// leaves w at 15 (potentiating) or at 0 (depressing) is where the 4-bit range saturates; the controller
/// counts those steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LutDirection {
    pub potentiates: bool,
    pub depresses: bool,
}

impl LutDirection {
    pub(crate) fn of(lut: &Lut) -> LutDirection {
        let mut pairs = lut.iter().enumerate().map(|(i, &w)| (i as u8, w));
        LutDirection {
            potentiates: pairs.clone().any(|(i, w)| w > i),
            depresses: pairs.any(|(i, w)| w < i),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nest_default_patterns_compare_each_capacitor_with_the_threshold() {
        // With V_th = V_tl = T, pattern {ac}: (T + a_c) / 2 > T, i.e. a_c > T; pattern {ca}: a_a > T.
        let c = StdpConfig::default();
        let t = DEFAULT_THRESHOLD;
        assert_eq!(c.evaluate(t + 0.1, 0.0), (true, false));
        assert_eq!(c.evaluate(0.0, t + 0.1), (false, true));
        assert_eq!(c.evaluate(t + 0.1, t + 0.1), (true, true));
        assert_eq!(c.evaluate(t - 0.1, t - 0.1), (false, false));
        assert_eq!(lut_index((false, false)), None);
        assert_eq!(
            c.luts()[lut_index((true, false)).unwrap()],
            &NEST_CAUSAL_LUT
        );
    }

    #[test]
    fn a_pattern_can_compare_the_difference() {
        // {ac, aa}: (V_tl + a_c) / 2 > (V_th + a_a) / 2, i.e. a_c - a_a > V_th - V_tl.
        let p = EvaluationPattern {
            ac: true,
            aa: true,
            ..EvaluationPattern::default()
        };
        assert!(p.evaluate(3.0, 1.0, 1.5, 0.0));
        assert!(!p.evaluate(3.0, 1.0, 2.5, 0.0));
    }

    #[test]
    fn lut_directions() {
        assert_eq!(
            LutDirection::of(&NEST_CAUSAL_LUT),
            LutDirection {
                potentiates: true,
                depresses: false
            }
        );
        assert_eq!(
            LutDirection::of(&NEST_ACAUSAL_LUT),
            LutDirection {
                potentiates: false,
                depresses: true
            }
        );
        assert_eq!(
            LutDirection::of(&IDENTITY_LUT),
            LutDirection {
                potentiates: false,
                depresses: false
            }
        );
    }

    #[test]
    fn validation() {
        assert!(StdpConfig::default().validate(0).is_ok());
        let mut c = StdpConfig::default();
        c.causal[3] = 16;
        assert!(c.validate(0).is_err());
        let c = StdpConfig {
            first_row: 10,
            last_row: 9,
            ..StdpConfig::default()
        };
        assert!(c.validate(1).is_err());
        let c = StdpConfig {
            row_time_s: 0.0,
            ..StdpConfig::default()
        };
        assert!(c.validate(1).is_err());
    }
}
