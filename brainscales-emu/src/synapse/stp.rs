//! Short-term plasticity in the synapse driver, as the ESS models it (`syndriver.cpp`, spec §4.2).
//!
//! State per incoming 6-bit address (64 per driver): the inactive fraction I, which decays as
//! I exp(-dt / tau_rec) between events. At an event the driver scales the conductance of all its synapses
//! by `1 - lambda (I - N_dep)` (depression) or `1 + lambda (I - N_fac)` (facilitation), using I before the
//! event, then sets `I <- I + U_SE (1 - I)`. Whether the circuit's state is per address (ESS) or shared by
//! all sources of the driver is open (spec §4.2, U); the ESS choice is modelled.
//!
//! Shared per quadrant (FG block): the recovery time from V_dtc, and lambda, N_dep and N_fac. Those three
//! come from V_fac, V_dep, V_stdf and V_bstdf in the circuit, but no source gives that mapping, so they are
//! plain parameters, set by value in the configuration (the ESS defaults unless set). lambda and N are
//! kept in 0..=1, so both factors stay >= 0 and nothing is clipped.

use super::ConfigError;
use super::driver::{StpConfig, StpMode};
use crate::time::{HwTime, TICKS_PER_NS};

/// Addresses, hence STP states, per driver.
pub const ADDRESSES: usize = 64;

/// tau_rec from V_dtc, a linear fit of the recovery *rate* M = 1 / tau_rec through two measured points
/// (DAC 5 -> 104 us, DAC 40 -> 15 us): M[1/s] = 1582 DAC + 1703 (calibtic `stp_calib.py`, spec §4.2).
pub const RECOVERY_RATE_PER_DAC: f64 = 1582.0;
pub const RECOVERY_RATE_OFFSET: f64 = 1703.0;
/// U_SE at `stp_cap` 0 and 7, assumed linear between (measured range 0.25..0.4, spec §4.2).
pub const U_SE_AT_CAP_0: f64 = 0.25;
pub const U_SE_AT_CAP_7: f64 = 0.40;
/// ESS defaults (spec §4.2).
pub const DEFAULT_LAMBDA: f64 = 1.0;
pub const DEFAULT_N_DEP: f64 = 0.0;
pub const DEFAULT_N_FAC: f64 = 1.0;
/// halbe's default V_dtc (0): tau_rec 587 us, the fit extrapolated below its lowest measured DAC (5).
pub const DEFAULT_V_DTC_DAC: u16 = 0;

/// Recovery time constant in hardware seconds for a V_dtc DAC value.
pub fn tau_rec_s(v_dtc_dac: u16) -> f64 {
    1.0 / (RECOVERY_RATE_PER_DAC * f64::from(v_dtc_dac) + RECOVERY_RATE_OFFSET)
}

/// Utilisation U_SE for a 3-bit `stp_cap`.
pub fn u_se(cap: u8) -> f64 {
    U_SE_AT_CAP_0 + (U_SE_AT_CAP_7 - U_SE_AT_CAP_0) * f64::from(cap) / 7.0
}

/// The STP parameters one quadrant's drivers share.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StpQuadrant {
    pub v_dtc_dac: u16,
    pub lambda: f64,
    pub n_dep: f64,
    pub n_fac: f64,
}

impl Default for StpQuadrant {
    fn default() -> StpQuadrant {
        StpQuadrant {
            v_dtc_dac: DEFAULT_V_DTC_DAC,
            lambda: DEFAULT_LAMBDA,
            n_dep: DEFAULT_N_DEP,
            n_fac: DEFAULT_N_FAC,
        }
    }
}

impl StpQuadrant {
    pub(crate) fn validate(&self, quadrant: usize) -> Result<(), ConfigError> {
        if self.v_dtc_dac > 1023 {
            return Err(ConfigError::Quadrant {
                quadrant,
                field: "V_dtc",
                value: f64::from(self.v_dtc_dac),
            });
        }
        for (field, value) in [
            ("lambda", self.lambda),
            ("N_dep", self.n_dep),
            ("N_fac", self.n_fac),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(ConfigError::Quadrant {
                    quadrant,
                    field,
                    value,
                });
            }
        }
        Ok(())
    }
}

/// One driver's STP rule with everything precomputed for the event path.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StpRule {
    depression: bool,
    u_se: f64,
    lambda: f64,
    threshold: f64,
    /// 1 / tau_rec in 1 / tick.
    rate_per_tick: f64,
}

impl StpRule {
    pub(crate) fn new(config: StpConfig, quadrant: &StpQuadrant) -> StpRule {
        let depression = config.mode == StpMode::Depression;
        StpRule {
            depression,
            u_se: u_se(config.cap),
            lambda: quadrant.lambda,
            threshold: if depression {
                quadrant.n_dep
            } else {
                quadrant.n_fac
            },
            rate_per_tick: 1.0 / (tau_rec_s(quadrant.v_dtc_dac) * 1e9 * TICKS_PER_NS as f64),
        }
    }
}

/// The 64 per-address states of one driver.
#[derive(Debug, Clone)]
pub(crate) struct StpState {
    inactive: [f64; ADDRESSES],
    last: [u64; ADDRESSES],
}

impl StpState {
    pub(crate) fn new() -> StpState {
        StpState {
            inactive: [0.0; ADDRESSES],
            last: [0; ADDRESSES],
        }
    }

    /// The conductance factor of an event with `address` at `t` (times per address non-decreasing), and
    /// the state update it causes.
    pub(crate) fn fire(&mut self, rule: &StpRule, address: u8, t: HwTime) -> f64 {
        let a = usize::from(address);
        let dt = t.0.saturating_sub(self.last[a]) as f64;
        let before = self.inactive[a] * (-dt * rule.rate_per_tick).exp();
        let factor = if rule.depression {
            1.0 - rule.lambda * (before - rule.threshold)
        } else {
            1.0 + rule.lambda * (before - rule.threshold)
        };
        self.inactive[a] = before + rule.u_se * (1.0 - before);
        self.last[a] = t.0;
        factor
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(mode: StpMode, cap: u8, v_dtc: u16) -> StpRule {
        let quadrant = StpQuadrant {
            v_dtc_dac: v_dtc,
            ..StpQuadrant::default()
        };
        StpRule::new(StpConfig { mode, cap }, &quadrant)
    }

    #[test]
    fn fit_reproduces_the_measured_points() {
        assert!((tau_rec_s(5) - 104e-6).abs() < 0.1e-6);
        assert!((tau_rec_s(40) - 15.4e-6).abs() < 0.1e-6);
        assert_eq!(u_se(0), 0.25);
        assert!((u_se(7) - 0.40).abs() < 1e-15);
    }

    #[test]
    fn depression_train_follows_the_recurrence() {
        // 10 events 5 us apart, V_dtc 5 (tau 1 / (1582 * 5 + 1703) s), cap 7 (U = 0.4): the recurrence
        // written out with the spec's numbers, lambda 1, N_dep 0.
        let (u, tau, isi): (f64, f64, f64) = (0.40, 1.0 / 9613.0, 5e-6);
        let r = rule(StpMode::Depression, 7, 5);
        let mut state = StpState::new();
        let mut inactive: f64 = 0.0;
        for k in 0..10u64 {
            let t = HwTime::from_ns(5_000 * k);
            if k > 0 {
                inactive *= (-isi / tau).exp();
            }
            let expected = 1.0 - inactive;
            inactive += u * (1.0 - inactive);
            let got = state.fire(&r, 3, t);
            assert!(
                (got - expected).abs() < 1e-12,
                "event {k}: {got} vs {expected}"
            );
        }
        // The train depresses: the last factor is well below 1 (steady state of the recurrence < 0.6).
        assert!(state.inactive[3] > 0.4);
        // Another address has its own state.
        assert_eq!(state.fire(&r, 4, HwTime::from_ns(50_000)), 1.0);
    }

    #[test]
    fn facilitation_grows_and_recovery_restores() {
        let r = rule(StpMode::Facilitation, 0, 40);
        let mut state = StpState::new();
        // At rest I = 0: factor 1 + (0 - 1) = 0 with the ESS default N_fac 1; then I = 0.25.
        assert_eq!(state.fire(&r, 0, HwTime::ZERO), 0.0);
        let second = state.fire(&r, 0, HwTime::from_ns(100));
        let tau = tau_rec_s(40);
        assert!((second - 0.25 * (-100e-9 / tau).exp()).abs() < 1e-12);
        // After 20 tau_rec of silence the state has recovered to rest within e^-20.
        let late = HwTime::from_seconds(100e-9 + 20.0 * tau);
        assert!(state.fire(&r, 0, late) < 1e-8);
    }
}
