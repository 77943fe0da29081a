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
use super::lif::Lif;
use super::{NeuronModel, Receptor, Recorded};
use crate::runtime::fixed::{Accum, Rounding};
use serde::{Deserialize, Serialize};

/// The ×1024 scaling of conductance weights, as a shift (§4.8, §4.10).
pub const CONDUCTANCE_SHIFT: u32 = 10;

/// Undoes the ×1024 scaling of a conductance synapse's state: the conductance in µS (§4.10 step 2).
pub fn conductance(stored: Accum) -> Accum {
    stored >> CONDUCTANCE_SHIFT
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
