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

/// LIF parameters in PyNN units (ms, nF, mV, nA), with the synaptic time constants of the `*_exp` models.
/// `Default` is PyNN's `IF_curr_exp` default as sPyNNaker uses it (§4.10).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LifConfig {
    /// Membrane time constant τ_m (ms).
    pub tau_m: f64,
    /// Membrane capacitance C_m (nF).
    pub cm: f64,
    /// Resting potential (mV).
    pub v_rest: f64,
    /// Potential after a spike (mV).
    pub v_reset: f64,
    /// Threshold (mV).
    pub v_thresh: f64,
    /// Refractory period (ms).
    pub tau_refrac: f64,
    /// Constant input current (nA).
    pub i_offset: f64,
    /// Excitatory synaptic time constant (ms).
    pub tau_syn_e: f64,
    /// Inhibitory synaptic time constant (ms).
    pub tau_syn_i: f64,
    /// Initial membrane potential (mV; PyNN's initial value `v`).
    pub v: f64,
}

impl Default for LifConfig {
    fn default() -> LifConfig {
        LifConfig {
            tau_m: 20.0,
            cm: 1.0,
            v_rest: -65.0,
            v_reset: -65.0,
            v_thresh: -50.0,
            tau_refrac: 0.1,
            i_offset: 0.0,
            tau_syn_e: 5.0,
            tau_syn_i: 5.0,
            v: -65.0,
        }
    }
}

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

impl LifParams {
    /// The parameters for timestep `dt_ms`. The chip derives `R` and `exp_TC` with `kdivk`/`expk`; we take the
    /// f64 values rounded to s16.15, which can differ from `expk` by about one LSB.
    ///
    /// # Panics
    /// If `tau_m`, `cm` or `dt_ms` is not positive.
    pub fn from_pynn(c: &LifConfig, dt_ms: f64) -> LifParams {
        assert!(
            c.tau_m > 0.0 && c.cm > 0.0 && dt_ms > 0.0,
            "tau_m {} ms, cm {} nF and dt {dt_ms} ms must be positive",
            c.tau_m,
            c.cm
        );
        LifParams {
            v_rest: Accum::from_f64(c.v_rest),
            v_reset: Accum::from_f64(c.v_reset),
            v_thresh: Accum::from_f64(c.v_thresh),
            r_membrane: Accum::from_f64(c.tau_m / c.cm),
            exp_tc: Accum::from_f64((-dt_ms / c.tau_m).exp()),
            i_offset: Accum::from_f64(c.i_offset),
            t_refract: refractory_steps(c.tau_refrac, dt_ms),
        }
    }
}

/// `ceil(τ_refrac / dt)` as the chip computes it (`lif_ceil_accum(kdivk(T_refract_ms, ts))`): both operands as
/// s16.15, a 64-bit division truncating towards zero, then round up if any fractional bit is set. Doing it in
/// f64 instead would turn e.g. 0.30000000000000004 / 0.1 into 4 steps.
fn refractory_steps(tau_refrac_ms: f64, dt_ms: f64) -> i32 {
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
    /// A membrane at its initial voltage, not refractory.
    pub fn from_pynn(c: &LifConfig, dt_ms: f64) -> Lif {
        Lif {
            params: LifParams::from_pynn(c, dt_ms),
            v: Accum::from_f64(c.v),
            refract_timer: 0,
            fixed_point_wraps: 0,
        }
    }

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

impl LifCurrExp {
    /// A neuron at its initial state, for timestep `dt_ms`.
    pub fn from_pynn(c: &LifConfig, dt_ms: f64) -> LifCurrExp {
        LifCurr {
            lif: Lif::from_pynn(c, dt_ms),
            synapses: ExpSynapses::new(c.tau_syn_e, c.tau_syn_i, dt_ms),
        }
    }
}

impl LifCurrAlpha {
    /// A neuron at its initial state, for timestep `dt_ms`.
    pub fn from_pynn(c: &LifConfig, dt_ms: f64) -> LifCurrAlpha {
        LifCurr {
            lif: Lif::from_pynn(c, dt_ms),
            synapses: AlphaSynapses::new(c.tau_syn_e, c.tau_syn_i, dt_ms),
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn lif(tau_refrac: f64, i_offset: f64, dt: f64) -> Lif {
        Lif::from_pynn(
            &LifConfig {
                tau_refrac,
                i_offset,
                ..LifConfig::default()
            },
            dt,
        )
    }

    #[test]
    fn default_parameters_bit_exact() {
        let p = LifParams::from_pynn(&LifConfig::default(), 1.0);
        assert_eq!(p.v_rest, Accum::from_int(-65));
        assert_eq!(p.v_thresh, Accum::from_int(-50));
        assert_eq!(p.r_membrane, Accum::from_int(20));
        // exp(-0.05) × 32768 = 31169.886 (python3)
        assert_eq!(p.exp_tc, Accum(31_170));
        assert_eq!(p.i_offset, Accum::ZERO);
        assert_eq!(p.t_refract, 1); // 0.1 ms at dt 1 ms
    }

    #[test]
    fn refractory_steps_follow_the_chip_division() {
        assert_eq!(refractory_steps(0.1, 1.0), 1);
        assert_eq!(refractory_steps(2.0, 1.0), 2);
        assert_eq!(refractory_steps(2.5, 1.0), 3);
        assert_eq!(refractory_steps(0.0, 1.0), 0);
        assert_eq!(refractory_steps(0.1, 0.1), 1);
        assert_eq!(refractory_steps(0.1 * 3.0, 0.1), 3); // f64: 3.0000000000000004 would ceil to 4
        assert_eq!(refractory_steps(2.0, 0.1), 20); // 65536 << 15 / 3277 = 19.994 -> 20
    }

    #[test]
    fn one_step_from_rest_with_one_nanoamp_bit_exact() {
        let mut n = lif(2.0, 1.0, 1.0);
        assert!(!n.step(Accum::ZERO, Accum::ZERO, Rounding::Truncate));
        // α = 1 × 20 - 65 = -45 exactly; α - V = 20; exp_TC × 20 = 31170 × 20 bits exactly.
        assert_eq!(n.v, Accum(-45 * 32768 - 31_170 * 20));
        let mut m = lif(2.0, 1.0, 1.0);
        m.step(Accum::ZERO, Accum::ZERO, Rounding::Nearest);
        assert_eq!(m.v, n.v, "no product has dropped bits here");
    }

    #[test]
    fn rounding_mode_selects_the_product() {
        // 0.2 nA: α - V = 6554 × 20 bits; exp_TC × that = 31170 × 131080 / 2^15 = 124687.6 bits.
        let alpha = -65 * 32768 + 6554 * 20;
        for (rounding, product) in [(Rounding::Truncate, 124_687), (Rounding::Nearest, 124_688)] {
            let mut n = lif(0.1, 0.2, 1.0);
            n.step(Accum::ZERO, Accum::ZERO, rounding);
            assert_eq!(n.v, Accum(alpha - product), "{rounding:?}");
        }
    }

    #[test]
    fn synaptic_currents_enter_as_exc_minus_inh() {
        let mut a = lif(0.1, 0.0, 1.0);
        let mut b = a;
        a.step(
            Accum::from_f64(0.75),
            Accum::from_f64(0.25),
            Rounding::Truncate,
        );
        b.step(Accum::from_f64(0.5), Accum::ZERO, Rounding::Truncate);
        assert_eq!(a.v, b.v);
        assert!(a.v > Accum::from_int(-65));
    }

    #[test]
    fn refractory_period_freezes_exactly_t_refract_steps() {
        for (tau_refrac, dt, frozen) in [
            (0.1, 1.0, 1),
            (2.0, 1.0, 2),
            (2.5, 1.0, 3),
            (5.0, 1.0, 5),
            (0.3, 0.1, 3),
        ] {
            // 1000 nA drives V over threshold in a single integrating step, even at dt = 0.1 ms.
            let mut n = lif(tau_refrac, 1000.0, dt);
            assert_eq!(n.params.t_refract, frozen);
            let spikes: Vec<usize> = (1..=40)
                .filter(|_| n.step(Accum::ZERO, Accum::ZERO, Rounding::Truncate))
                .collect();
            let expected: Vec<usize> = (1..=40)
                .filter(|k| (k - 1) % (frozen as usize + 1) == 0)
                .collect();
            assert_eq!(spikes, expected, "τ_refrac {tau_refrac} dt {dt}");
        }
    }

    #[test]
    fn membrane_is_frozen_at_reset_while_refractory() {
        let mut n = lif(3.0, 100.0, 1.0);
        assert!(n.step(Accum::ZERO, Accum::ZERO, Rounding::Truncate));
        for left in (0..3).rev() {
            // A huge input must not move V while the timer runs.
            assert!(!n.step(Accum::from_int(1000), Accum::ZERO, Rounding::Truncate));
            assert_eq!((n.v, n.refract_timer), (n.params.v_reset, left));
        }
        assert!(n.step(Accum::ZERO, Accum::ZERO, Rounding::Truncate));
    }

    #[test]
    fn constant_current_matches_the_analytic_lif_solution() {
        // PyNN defaults, i_offset 1 nA, τ_refrac 2 ms, dt 1 ms: t* = -τ_m ln(1 - (V_th - V_rest)/(R I)).
        let c = LifConfig {
            i_offset: 1.0,
            tau_refrac: 2.0,
            ..LifConfig::default()
        };
        let t_star =
            -c.tau_m * (1.0 - (c.v_thresh - c.v_rest) / (c.tau_m / c.cm * c.i_offset)).ln();
        let mut n = Lif::from_pynn(&c, 1.0);
        let spikes: Vec<f64> = (1..=1000)
            .filter(|_| n.step(Accum::ZERO, Accum::ZERO, Rounding::Truncate))
            .map(|k| f64::from(k) * 1.0)
            .collect();
        assert_eq!(spikes.len(), 33);
        // The first crossing is in the step that contains t* (stamped at the step's end).
        assert!(
            spikes[0] >= t_star && spikes[0] - t_star < 1.0,
            "{} vs {t_star}",
            spikes[0]
        );
        // Every later spike restarts from V_reset after a frozen period, so each interval is t* + τ_refrac
        // rounded up to whole steps: within one tick of the analytic period.
        for w in spikes.windows(2) {
            let isi = w[1] - w[0];
            assert!((isi - (t_star + c.tau_refrac)).abs() <= 1.0, "ISI {isi}");
            assert_eq!(isi, (t_star / 1.0).ceil() + 2.0);
        }
    }

    #[test]
    fn neuron_records_before_and_decays_after_the_update() {
        let mut n = LifCurrExp::from_pynn(&LifConfig::default(), 1.0);
        n.transfer(Receptor::Excitatory, Accum::from_int(2));
        let before = n.recorded();
        assert_eq!(before.v, Accum::from_int(-65));
        let exc = n.synapses.exc.value;
        assert_eq!(before.gsyn_exc, exc);
        let mut lif = n.lif;
        lif.step(exc, Accum::ZERO, Rounding::Truncate);
        assert!(!n.update(Rounding::Truncate));
        assert_eq!(n.lif.v, lif.v, "the update used the undecayed input");
        assert!(n.synapses.exc.value < exc);
    }

    #[test]
    fn alpha_neuron_follows_a_float_reference_of_the_same_equations() {
        // Two 3 nA inputs (steps 0 and 30) into an IF_curr_alpha neuron (τ_syn 2 ms, dt 0.1 ms), threshold out
        // of reach: V in fixed point against the same update in f64.
        let c = LifConfig {
            tau_syn_e: 2.0,
            v_thresh: 0.0,
            ..LifConfig::default()
        };
        let dt = 0.1;
        let mut n = LifCurrAlpha::from_pynn(&c, dt);
        // The stored (rounded) factors, so only the arithmetic differs.
        let syn = n.synapses.exc;
        let (decay, step) = (syn.decay_factor.to_f64(), syn.dt_over_tau_sqr.to_f64());
        let (r, exp_tc) = (
            n.lif.params.r_membrane.to_f64(),
            n.lif.params.exp_tc.to_f64(),
        );
        let (mut lin, mut exp, mut q, mut v) = (0.0f64, 0.0f64, 0.0f64, c.v);
        let mut max_error = 0.0f64;
        for k in 0..200 {
            if k == 0 || k == 30 {
                n.transfer(Receptor::Excitatory, Accum::from_int(3));
                q = 3.0;
                exp = exp * decay + 1.0;
                lin = (lin + q * step) * (1.0 - 1.0 / exp);
            }
            n.update(Rounding::Truncate);
            let alpha = lin * exp * r + c.v_rest;
            v = alpha - exp_tc * (alpha - v);
            lin += q * step;
            exp *= decay;
            max_error = max_error.max((n.lif.v.to_f64() - v).abs());
        }
        assert!(v > c.v_rest + 1.0, "the inputs moved V ({v} mV)");
        // Every product truncates towards −∞ (3e-5 per product): `lin` loses up to an LSB per step, which
        // R = 20 MΩ turns into mV, and the membrane keeps its errors for its 200-step time constant.
        // Measured: 0.026 mV.
        assert!(max_error < 0.05, "max |V - V_ref| = {max_error} mV");
    }
}
