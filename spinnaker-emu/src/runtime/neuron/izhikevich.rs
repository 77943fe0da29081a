//! The Izhikevich neuron of sPyNNaker (`neuron_model_izh_impl.h`, spec §4.10) and `IZK_curr_exp`, the neuron
//! built on it with exponential current synapses.
//!
//! One explicit midpoint (RK2) step per timestep, in the C's exact operation order, with the constants as GCC
//! encodes the `k`-suffixed literals. After a spike the next step uses h × 1.85 ("simple threshold
//! correction", an empirical allowance upstream for the crossing not falling on the grid), then h returns to dt.

use super::exp_synapse::ExpSynapses;
use super::{NeuronModel, Receptor, Recorded};
use crate::runtime::fixed::{Accum, Rounding};
use serde::{Deserialize, Serialize};

/// The quadratic coefficient: 0.040008544921875 = 1311 × 2^−15 exactly, which the C uses instead of 0.04
/// (1310.72 × 2^−15) for numerical stability (§4.10).
pub const MAGIC_MULTIPLIER: Accum = Accum(1311);

/// The step-size factor on the step after a spike, `REAL_CONST(1.85)` = `1.85k`. We take GCC's conversion of
/// the literal to truncate (its `fixed_from_string` goes through `real_to_integer`), giving 60620 for
/// 1.85 × 2^15 = 60620.8; not checked against a build (uncertain), and nearest would be 60621. The difference is
/// one LSB of h on the step after a spike.
pub const SIMPLE_TQ_OFFSET: Accum = Accum(60_620);

/// The fixed spike threshold of `IZK_curr_exp` (mV).
pub const THRESHOLD: Accum = Accum::from_int(30);

const C140: Accum = Accum::from_int(140);
const C5: Accum = Accum::from_int(5);

/// An Izhikevich membrane: parameters and state (the chip's `neuron_t`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Izhikevich {
    /// a.
    pub a: Accum,
    /// b.
    pub b: Accum,
    /// c (mV).
    pub c: Accum,
    /// d.
    pub d: Accum,
    /// I_offset.
    pub i_offset: Accum,
    /// Membrane voltage V (mV).
    pub v: Accum,
    /// Recovery variable U.
    pub u: Accum,
    /// The timestep (ms), `machine_timestep_ms`.
    pub dt: Accum,
    /// The step size of the next update: `dt`, or `dt × 1.85` right after a spike.
    pub this_h: Accum,
}

impl Izhikevich {
    /// One update with synaptic currents `exc`, `inh`: input `exc − inh + I_offset`, one RK2 midpoint step of
    /// size `this_h`, h back to dt, then the threshold test `V ≥ 30` and, on a spike, `V ← c`, `U += d` and the
    /// 1.85 × dt step for next time. Returns whether it spiked.
    pub fn step(&mut self, exc: Accum, inh: Accum, rounding: Rounding) -> bool {
        let m = |x, y| rounding.mul(x, y);
        let input = exc - inh + self.i_offset;
        let (h, v1, u1, a, b) = (self.this_h, self.v, self.u, self.a, self.b);
        // REAL_HALF(x) is `x * 0.5k`, a plain GCC product in every build: it floors, i.e. `>> 1`.
        let pre_alph = C140 + input - u1;
        let alpha = pre_alph + m(C5 + m(MAGIC_MULTIPLIER, v1), v1);
        let eta = v1 + (m(h, alpha) >> 1);
        let beta = m(m(h, m(b, v1) - u1), a) >> 1;
        self.v += m(h, pre_alph - beta + m(C5 + m(MAGIC_MULTIPLIER, eta), eta));
        self.u += m(m(a, h), -u1 - beta + m(b, eta));
        self.this_h = self.dt;

        let spiked = self.v >= THRESHOLD;
        if spiked {
            self.v = self.c;
            self.u += self.d;
            self.this_h = m(self.dt, SIMPLE_TQ_OFFSET);
        }
        spiked
    }
}

/// `IZK_curr_exp`: an Izhikevich membrane driven by two exponential current synapses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IzhCurrExp {
    /// The membrane.
    pub izh: Izhikevich,
    /// Synaptic currents.
    pub synapses: ExpSynapses,
}

impl NeuronModel for IzhCurrExp {
    fn transfer(&mut self, receptor: Receptor, input: Accum) {
        self.synapses.transfer(receptor, input);
    }

    fn recorded(&self) -> Recorded {
        Recorded {
            v: self.izh.v,
            gsyn_exc: self.synapses.exc.value,
            gsyn_inh: self.synapses.inh.value,
        }
    }

    fn update(&mut self, rounding: Rounding) -> bool {
        let spiked = self
            .izh
            .step(self.synapses.exc.value, self.synapses.inh.value, rounding);
        self.synapses.decay();
        spiked
    }
}
