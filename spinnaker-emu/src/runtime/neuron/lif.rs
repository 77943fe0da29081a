//! The leaky integrate-and-fire membrane of sPyNNaker (`neuron_model_lif_impl.h`, spec §4.10) and the
//! current-based neurons built on it, `IF_curr_exp` and `IF_curr_alpha` (one [`LifCurr`] over either synapse
//! shaping).
//!
//! The membrane is integrated exactly for an input held constant over the step:
//! `α = I·R + V_rest`, `V ← α − exp_TC·(α − V)`. `exp_TC` is an s16.15 `accum` (the chip computes it with `expk`),
//! so both products are accum × accum and follow the caller's [`Rounding`] (§4.9), not `decay_s1615`.

use super::alpha_synapse::AlphaSynapses;
use super::exp_synapse::ExpSynapses;
use super::{CurrentSynapses, NeuronModel, Receptor, Recorded};
use crate::runtime::fixed::{Accum, Rounding, WrapCheck};
use serde::{Deserialize, Serialize};

/// The s16.15 parameters the LIF update uses (the chip's `neuron_t`, §4.10).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifParams {
    /// V_rest (mV).
    pub v_rest: Accum,
    /// V_reset (mV).
    pub v_reset: Accum,
    /// V_thresh (mV).
    pub v_thresh: Accum,
    /// R = τ_m / C_m (MΩ).
    pub r_membrane: Accum,
    /// exp(−dt/τ_m).
    pub exp_tc: Accum,
    /// I_offset (nA).
    pub i_offset: Accum,
    /// Steps the membrane stays frozen after a spike: `ceil(τ_refrac/dt)`.
    pub t_refract: i32,
}

/// `ceil(τ_refrac / dt)` as the chip computes it (`lif_ceil_accum(kdivk(T_refract_ms, ts))`): both operands as
/// s16.15, a 64-bit division truncating towards zero, then round up if any fractional bit is set. Doing it in
/// f64 instead would turn e.g. 0.30000000000000004 / 0.1 into 4 steps.
pub fn refractory_steps(tau_refrac_ms: f64, dt_ms: f64) -> i32 {
    let tau = i64::from(Accum::from_f64(tau_refrac_ms).0);
    let dt = i64::from(Accum::from_f64(dt_ms).0).max(1);
    let q = (tau << Accum::FRAC_BITS) / dt;
    let steps = (q >> Accum::FRAC_BITS) + i64::from(q & 0x7FFF > 0);
    steps.clamp(0, i64::from(i32::MAX)) as i32
}

/// A LIF membrane: parameters and state (V, refractory countdown).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lif {
    /// Fixed parameters.
    pub params: LifParams,
    /// Membrane voltage (mV).
    pub v: Accum,
    /// Steps left in the refractory period; the membrane integrates when it is ≤ 0.
    pub refract_timer: i32,
    /// Updates in which a step of the arithmetic left the s16.15 range and wrapped (nmemu's own diagnostic: the
    /// chip wraps silently, see [`WrapCheck`]).
    pub fixed_point_wraps: u32,
}

impl Lif {
    /// One update with synaptic currents `exc`, `inh` (nA), in the runtime's order (§4.10): if not refractory,
    /// `I = exc − inh + I_offset`, `α = I·R + V_rest`, `V ← α − exp_TC·(α − V)`, else count the refractory timer
    /// down with V frozen; then the threshold test `V ≥ V_thresh` on the raw bits, which on a spike resets V and
    /// starts the refractory period. Returns whether it spiked.
    pub fn step(&mut self, exc: Accum, inh: Accum, rounding: Rounding) -> bool {
        self.integrate(exc, inh, rounding);
        self.fire()
    }

    /// The first half of [`Lif::step`]: the membrane update (or the refractory count-down), no threshold test.
    #[inline(always)]
    pub fn integrate(&mut self, exc: Accum, inh: Accum, rounding: Rounding) {
        let p = &self.params;
        if self.refract_timer <= 0 {
            let mut w = WrapCheck::default();
            let net = w.sub(exc, inh);
            let input = w.add(net, p.i_offset);
            let drive = w.mul(rounding, input, p.r_membrane);
            let alpha = w.add(drive, p.v_rest);
            let gap = w.sub(alpha, self.v);
            let relax = w.mul(rounding, p.exp_tc, gap);
            self.v = w.sub(alpha, relax);
            self.fixed_point_wraps = self.fixed_point_wraps.saturating_add(u32::from(w.wrapped));
        } else {
            self.refract_timer -= 1;
        }
    }

    /// The second half of [`Lif::step`]: the threshold test on the raw bits, reset and refractory start.
    #[inline(always)]
    pub fn fire(&mut self) -> bool {
        let p = &self.params;
        let spiked = self.v >= p.v_thresh;
        if spiked {
            self.v = p.v_reset;
            self.refract_timer = p.t_refract;
        }
        spiked
    }
}

/// A LIF membrane driven by two current synapses of shaping `S`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifCurr<S> {
    /// The membrane.
    pub lif: Lif,
    /// Synaptic currents (nA).
    pub synapses: S,
}

/// `IF_curr_exp`: exponential current synapses.
pub type LifCurrExp = LifCurr<ExpSynapses>;
/// `IF_curr_alpha`: alpha-shaped current synapses (sPyNNaker's shape, see `alpha_synapse`).
pub type LifCurrAlpha = LifCurr<AlphaSynapses>;

impl<S: CurrentSynapses> NeuronModel for LifCurr<S> {
    fn transfer(&mut self, receptor: Receptor, input: Accum) {
        self.synapses.transfer(receptor, input);
    }

    fn recorded(&self) -> Recorded {
        let (gsyn_exc, gsyn_inh) = self.synapses.currents();
        Recorded {
            v: self.lif.v,
            gsyn_exc,
            gsyn_inh,
        }
    }

    fn update(&mut self, rounding: Rounding) -> bool {
        let (exc, inh) = self.synapses.currents();
        let spiked = self.lif.step(exc, inh, rounding);
        self.synapses.shape();
        spiked
    }

    fn fixed_point_wraps(&self) -> u32 {
        self.lif.fixed_point_wraps
    }
}
