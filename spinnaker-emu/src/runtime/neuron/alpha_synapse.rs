//! Alpha-shaped current synapses, as sPyNNaker's `synapse_types_alpha_impl.h` computes them (the synapse shaping
//! of `IF_curr_alpha`). The spec does not cover this model; the runtime's source is the reference.
//!
//! Each receptor keeps a linear term `lin`, an exponential term `exp` and the last input `q`; its current is
//! `lin × exp`. Transferring a non-zero input `w` (zero inputs are skipped, as upstream):
//! `q = w`, `exp = decay_s1615(exp, decay) + 1`, `lin = (lin + w·dt/τ²) × (1 − 1/exp)`.
//! After the neuron update (shaping): `lin += q·dt/τ²`, `exp = decay_s1615(exp, decay)`.
//!
//! One input alone thus gives `I(t) = w·(t/τ²)·e^(−t/τ)`: charge `w` (nA·ms) and peak `w/(e·τ)` at t = τ, where
//! PyNN's (NEST's) alpha current `w·(e/τ)·t·e^(−t/τ)` peaks at `w` with charge `w·e·τ`. The runtime runs its own
//! shape, and so do we; the mapper says so in the mapping report. `dt/τ²` is an s16.15 accum, `1/exp` the
//! runtime's `kdivk` (a 64-bit division truncating towards zero), and the products are GCC's truncating accum `*`.

use super::Receptor;
use crate::runtime::fixed::{Accum, U032, decay_s1615};
use serde::{Deserialize, Serialize};

/// One receptor's alpha-shaped input current (nA).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlphaSynapse {
    /// `exp(−dt/τ)`.
    pub decay_factor: U032,
    /// `dt/τ²` (1/ms).
    pub dt_over_tau_sqr: Accum,
    pub lin: Accum,
    pub exp: Accum,
    pub q: Accum,
}

/// `kdivk(a, b)`: s16.15 division, the 64-bit quotient of the bits truncated towards zero.
fn kdivk(a: Accum, b: Accum) -> Accum {
    Accum(((i64::from(a.0) << Accum::FRAC_BITS) / i64::from(b.0)) as i32)
}

impl AlphaSynapse {
    /// A synapse at rest for time constant `tau_ms` and timestep `dt_ms`.
    ///
    /// # Panics
    /// If either is not a positive finite number.
    pub fn new(tau_ms: f64, dt_ms: f64) -> AlphaSynapse {
        assert!(
            tau_ms > 0.0 && tau_ms.is_finite() && dt_ms > 0.0 && dt_ms.is_finite(),
            "synaptic time constant {tau_ms} ms and timestep {dt_ms} ms must be positive"
        );
        AlphaSynapse {
            decay_factor: U032::from_f64((-dt_ms / tau_ms).exp()),
            dt_over_tau_sqr: Accum::from_f64(dt_ms / (tau_ms * tau_ms)),
            lin: Accum::ZERO,
            exp: Accum::ZERO,
            q: Accum::ZERO,
        }
    }

    /// `add_input_alpha`, for a positive input.
    pub fn transfer(&mut self, w: Accum) {
        if w <= Accum::ZERO {
            return;
        }
        let one = Accum::from_int(1);
        self.q = w;
        self.exp = decay_s1615(self.exp, self.decay_factor) + one;
        self.lin = (self.lin + w * self.dt_over_tau_sqr) * (one - kdivk(one, self.exp));
    }

    /// The current the neuron update sees.
    pub fn value(&self) -> Accum {
        self.lin * self.exp
    }

    /// `alpha_shaping`, after the neuron update.
    pub fn shape(&mut self) {
        self.lin += self.q * self.dt_over_tau_sqr;
        self.exp = decay_s1615(self.exp, self.decay_factor);
    }
}

/// The excitatory and inhibitory receptors of an `IF_curr_alpha` neuron.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlphaSynapses {
    pub exc: AlphaSynapse,
    pub inh: AlphaSynapse,
}

impl AlphaSynapses {
    pub fn new(tau_syn_e: f64, tau_syn_i: f64, dt_ms: f64) -> AlphaSynapses {
        AlphaSynapses {
            exc: AlphaSynapse::new(tau_syn_e, dt_ms),
            inh: AlphaSynapse::new(tau_syn_i, dt_ms),
        }
    }
}

impl super::CurrentSynapses for AlphaSynapses {
    fn transfer(&mut self, receptor: Receptor, input: Accum) {
        match receptor {
            Receptor::Excitatory => self.exc.transfer(input),
            Receptor::Inhibitory => self.inh.transfer(input),
        }
    }

    fn currents(&self) -> (Accum, Accum) {
        (self.exc.value(), self.inh.value())
    }

    fn shape(&mut self) {
        self.exc.shape();
        self.inh.shape();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_input_follows_the_runtime_alpha_within_the_format_resolution() {
        // τ = 2 ms, dt = 0.1 ms, w = 1 nA: I(t) = (t/τ²) e^(−t/τ) on the grid t = k dt after the input's tick.
        let (tau, dt) = (2.0, 0.1);
        let mut s = AlphaSynapse::new(tau, dt);
        s.transfer(Accum::from_int(1));
        assert_eq!(
            s.value(),
            Accum::ZERO,
            "no current in the step of the input"
        );
        let mut peak: (f64, f64) = (0.0, 0.0);
        for k in 1..=100 {
            s.shape();
            let t = f64::from(k) * dt;
            let expected = t / (tau * tau) * (-t / tau).exp();
            let got = s.value().to_f64();
            // The s16.15 step dt/τ² (0.025) is off by up to half an LSB and accumulates k-fold.
            assert!(
                (got - expected).abs() < 2e-3,
                "t = {t}: {got} vs {expected}"
            );
            if got > peak.1 {
                peak = (t, got);
            }
        }
        assert!((peak.0 - tau).abs() < 0.11, "peak at {} ms", peak.0);
        assert!((peak.1 - 1.0 / (std::f64::consts::E * tau)).abs() < 2e-3);
    }

    #[test]
    fn zero_and_negative_inputs_are_skipped() {
        let mut s = AlphaSynapse::new(5.0, 1.0);
        s.transfer(Accum::from_int(2));
        s.shape();
        let before = s;
        s.transfer(Accum::ZERO);
        s.transfer(Accum::from_int(-1));
        assert_eq!(s, before);
    }

    #[test]
    fn division_truncates_towards_zero() {
        assert_eq!(kdivk(Accum::from_int(1), Accum::from_int(3)), Accum(10_922));
        assert_eq!(
            kdivk(Accum::from_int(-1), Accum::from_int(3)),
            Accum(-10_922)
        );
    }
}
