//! Conductance input (`input_type_conductance.h`, spec §4.10 steps 2 and 4) and `IF_cond_exp`, the LIF membrane
//! driven by it.
//!
//! Conductance weights reach the synapses scaled by 1024 (§4.8) so that small µS values keep their precision in
//! s16.15; the input type undoes it with an arithmetic `>> 10`, then turns each conductance into a current with
//! the voltage read at the start of the update: `I_exc = g_e·(E_rev_E − V)` and `I_inh = −g_i·(E_rev_I − V)`.
//! The inhibitory product is of the *negated* conductance, as in the C, which matters for truncation.
//!
//! The update is explicit: V moves by `(1 − exp(−dt/τ_m))·(I·R + V_rest − V)` with I computed from the V at the
//! start of the step. A large conductance g makes the step overshoot its reversal potential as soon as
//! `g·R·(1 − exp(−dt/τ_m)) > exp(−dt/τ_m)` (the factor of V in the update turns negative), and the membrane
//! oscillates unstably past `g·R·(1 − exp(−dt/τ_m)) > 1 + exp(−dt/τ_m)`. An exact integrator never takes V past
//! a reversal potential whose conductance is driving it, so [`LifCondExp::reversal_crossings`] counts the
//! updates that do: the chip has no such counter, but its result is the chip's, and the count says when that
//! result is an artefact of the integration rather than the model (VA COBA at dt = 1 ms runs away this way).

use super::exp_synapse::ExpSynapses;
use super::lif::{Lif, LifConfig};
use super::{NeuronModel, Receptor, Recorded};
use crate::runtime::fixed::{Accum, Rounding};
use serde::{Deserialize, Serialize};

/// The ×1024 scaling of conductance weights, as a shift (§4.8, §4.10).
pub const CONDUCTANCE_SHIFT: u32 = 10;

/// Undoes the ×1024 scaling of a conductance synapse's state: the conductance in µS (§4.10 step 2).
pub fn conductance(stored: Accum) -> Accum {
    stored >> CONDUCTANCE_SHIFT
}

/// Reversal potentials (mV). `Default` is PyNN's `IF_cond_exp` default.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CondConfig {
    /// Excitatory reversal potential E_rev_E.
    pub e_rev_e: f64,
    /// Inhibitory reversal potential E_rev_I.
    pub e_rev_i: f64,
}

impl Default for CondConfig {
    fn default() -> CondConfig {
        CondConfig {
            e_rev_e: 0.0,
            e_rev_i: -70.0,
        }
    }
}

/// The s16.15 reversal potentials.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reversal {
    /// E_rev_E (mV).
    pub e_rev_e: Accum,
    /// E_rev_I (mV).
    pub e_rev_i: Accum,
}

impl Reversal {
    /// From PyNN values.
    pub fn from_pynn(c: &CondConfig) -> Reversal {
        Reversal {
            e_rev_e: Accum::from_f64(c.e_rev_e),
            e_rev_i: Accum::from_f64(c.e_rev_i),
        }
    }

    /// The excitatory and inhibitory currents (nA) for conductances `g_exc`, `g_inh` (µS) at voltage `v`;
    /// the LIF update then uses `I_exc − I_inh` (§4.10 step 4).
    pub fn currents(
        &self,
        g_exc: Accum,
        g_inh: Accum,
        v: Accum,
        rounding: Rounding,
    ) -> (Accum, Accum) {
        (
            rounding.mul(g_exc, self.e_rev_e - v),
            rounding.mul(-g_inh, self.e_rev_i - v),
        )
    }
}

/// `IF_cond_exp`: a LIF membrane driven by two exponential conductance synapses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifCondExp {
    /// The membrane.
    pub lif: Lif,
    /// Reversal potentials.
    pub reversal: Reversal,
    /// Synaptic conductances, stored ×1024 (µS × 1024).
    pub synapses: ExpSynapses,
    /// Updates whose step carried V past E_rev_E while g_exc > 0, or past E_rev_I while g_inh > 0 (nmemu's
    /// own diagnostic, see the module docs).
    pub reversal_crossings: u32,
}

impl LifCondExp {
    /// A neuron at its initial state, for timestep `dt_ms`. PyNN's `IF_cond_exp` defaults are
    /// `LifConfig::default()` (its membrane and synapse defaults equal `IF_curr_exp`'s) with
    /// `CondConfig::default()`.
    pub fn from_pynn(c: &LifConfig, rev: &CondConfig, dt_ms: f64) -> LifCondExp {
        LifCondExp {
            lif: Lif::from_pynn(c, dt_ms),
            reversal: Reversal::from_pynn(rev),
            synapses: ExpSynapses::new(c.tau_syn_e, c.tau_syn_i, dt_ms),
            reversal_crossings: 0,
        }
    }
}

impl NeuronModel for LifCondExp {
    fn transfer(&mut self, receptor: Receptor, input: Accum) {
        self.synapses.transfer(receptor, input);
    }

    fn recorded(&self) -> Recorded {
        Recorded {
            v: self.lif.v,
            gsyn_exc: conductance(self.synapses.exc.value),
            gsyn_inh: conductance(self.synapses.inh.value),
        }
    }

    fn update(&mut self, rounding: Rounding) -> bool {
        let g_exc = conductance(self.synapses.exc.value);
        let g_inh = conductance(self.synapses.inh.value);
        let (i_exc, i_inh) = self.reversal.currents(g_exc, g_inh, self.lif.v, rounding);
        let before = self.lif.v;
        self.lif.integrate(i_exc, i_inh, rounding);
        let after = self.lif.v;
        let (e, i) = (self.reversal.e_rev_e, self.reversal.e_rev_i);
        let crossed = (g_exc > Accum::ZERO && before <= e && after > e)
            || (g_inh > Accum::ZERO && before >= i && after < i);
        self.reversal_crossings = self.reversal_crossings.saturating_add(u32::from(crossed));
        let spiked = self.lif.fire();
        self.synapses.decay();
        spiked
    }

    fn reversal_crossings(&self) -> u32 {
        self.reversal_crossings
    }

    fn fixed_point_wraps(&self) -> u32 {
        self.lif.fixed_point_wraps
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A neuron that cannot spike (threshold above both reversal potentials), so V can approach E_rev.
    fn quiet() -> LifCondExp {
        let c = LifConfig {
            v_thresh: 20.0,
            ..LifConfig::default()
        };
        LifCondExp::from_pynn(&c, &CondConfig::default(), 1.0)
    }

    /// Injects `g_us` µS (stored ×1024) into `receptor` every step for `steps` steps; returns V per step.
    /// The chip couples V and I explicitly, so V only relaxes monotonically while g·R·(1 − exp_TC) < exp_TC
    /// (g < 0.97 µS at the defaults) and oscillates unstably past g·R·(1 − exp_TC) > 1 + exp_TC (g > 2 µS).
    fn drive(n: &mut LifCondExp, receptor: Receptor, g_us: f64, steps: usize) -> Vec<f64> {
        (0..steps)
            .map(|_| {
                n.transfer(receptor, Accum::from_f64(g_us * 1024.0));
                assert!(!n.update(Rounding::Truncate));
                n.lif.v.to_f64()
            })
            .collect()
    }

    #[test]
    fn conductance_undoes_the_1024_scaling() {
        assert_eq!(conductance(Accum::from_int(1024)), Accum::ONE);
        assert_eq!(conductance(Accum::from_f64(0.01 * 1024.0)), Accum(327)); // 335544 bits >> 10 = 327.68 -> 327
        assert_eq!(conductance(Accum(-1)), Accum(-1));
    }

    #[test]
    fn currents_bit_exact() {
        let r = Reversal::from_pynn(&CondConfig::default());
        let v = Accum::from_int(-65);
        let (ie, ii) = r.currents(
            Accum::from_f64(0.5),
            Accum::from_f64(0.25),
            v,
            Rounding::Truncate,
        );
        assert_eq!(ie, Accum::from_f64(32.5)); // 0.5 × (0 - -65)
        assert_eq!(ii, Accum::from_f64(1.25)); // -0.25 × (-70 - -65): positive, subtracted by the LIF
        // The negation comes before the truncating product: (-1 LSB) × 0.5 floors to -1 LSB, whereas
        // -(1 LSB × 0.5) would be 0.
        let (_, ii) = r.currents(
            Accum::ZERO,
            Accum(1),
            Accum::from_f64(-70.5),
            Rounding::Truncate,
        );
        assert_eq!(ii, Accum(-1));
    }

    #[test]
    fn excitatory_conductance_drives_v_up_towards_e_rev_e() {
        let mut n = quiet();
        let v = drive(&mut n, Receptor::Excitatory, 0.1, 400);
        assert!(v.windows(2).all(|w| w[1] >= w[0]), "monotone rise");
        // Steady state: g = 0.1 µS × τ_syn/dt = 0.5 µS, gR = 10; V* = (gR E + V_rest)/(1 + gR) = -65/11 mV.
        let last = *v.last().unwrap();
        assert!(
            last < 0.0 && (last - (-65.0 / 11.0)).abs() < 0.01,
            "V {last}"
        );
    }

    #[test]
    fn inhibitory_conductance_drives_v_down_towards_e_rev_i_and_not_past_it() {
        let mut n = quiet();
        let v = drive(&mut n, Receptor::Inhibitory, 0.1, 400);
        assert!(v.windows(2).all(|w| w[1] <= w[0]), "monotone fall");
        let last = *v.last().unwrap();
        // g = 0.5 µS, gR = 10: V* = (10 × -70 - 65)/11 = -69.55 mV, above E_rev_I.
        assert!(
            last > -70.0 && (last - (-765.0 / 11.0)).abs() < 0.01,
            "V {last}"
        );
    }

    #[test]
    fn counts_steps_that_overshoot_a_reversal_potential() {
        let mut n = quiet();
        drive(&mut n, Receptor::Inhibitory, 0.1, 400);
        assert_eq!(n.reversal_crossings, 0, "g = 0.5 µS relaxes monotonically");
        // 3 µS per step (g ≈ 15 µS): gR(1 − exp_TC) ≈ 73 > 1 + exp_TC, so V swings across E_rev_I and beyond.
        let mut n = quiet();
        let v = drive(&mut n, Receptor::Inhibitory, 3.0, 3);
        assert!(v[0] < -70.0, "the first step overshoots E_rev_I: {v:?}");
        assert!(n.reversal_crossings >= 1);
        // Past E_rev_E (0 mV) and the threshold (20 mV) in one step: counted before the reset hides it.
        let mut n = quiet();
        n.transfer(Receptor::Excitatory, Accum::from_f64(3.0 * 1024.0));
        assert!(n.update(Rounding::Truncate));
        assert_eq!(n.reversal_crossings, 1, "past E_rev_E on the first step");
    }

    #[test]
    fn records_conductances_in_microsiemens() {
        let mut n = quiet();
        n.transfer(Receptor::Excitatory, Accum::from_int(1024));
        let r = n.recorded();
        assert_eq!(r.gsyn_exc, conductance(n.synapses.exc.value));
        assert!(
            (r.gsyn_exc.to_f64() - 0.906).abs() < 0.001,
            "1 µS × init(5 ms, 1 ms)"
        );
    }
}
