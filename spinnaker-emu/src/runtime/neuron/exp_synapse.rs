//! Exponential synapse shaping (spec §4.10), shared by all three models: each receptor holds one s16.15 value
//! that jumps by `w × init` when the ring-buffer slot is transferred and is multiplied by `decay` after the
//! neuron update.
//!
//! On chip both factors are computed at load time from τ and dt (`expulr`, `kdivk`). We compute them host-side in
//! f64 and round to the nearest u0.32 instead; the chip's library routines may differ from that by a few u0.32
//! LSBs (≈ 1e−9), which moves the s16.15 results only when a product lands within that distance of a rounding
//! boundary.

use super::Receptor;
use crate::runtime::fixed::{Accum, U032, decay_s1615};
use serde::{Deserialize, Serialize};

/// One receptor's exponentially decaying input (current in nA, or conductance in µS × 1024 for conductance models).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpSynapse {
    /// `exp(−dt/τ)`, applied once per update.
    pub decay_factor: U032,
    /// `(τ/dt)(1 − exp(−dt/τ))`, scaling each transferred input so that one input of weight `w` integrates to
    /// `w × τ` over time (spec §4.10).
    pub init_factor: U032,
    /// The current synaptic input.
    pub value: Accum,
}

impl ExpSynapse {
    /// A synapse at rest for time constant `tau_ms` and timestep `dt_ms`.
    ///
    /// # Panics
    /// If either is not a positive finite number.
    pub fn new(tau_ms: f64, dt_ms: f64) -> ExpSynapse {
        assert!(
            tau_ms > 0.0 && tau_ms.is_finite() && dt_ms > 0.0 && dt_ms.is_finite(),
            "synaptic time constant {tau_ms} ms and timestep {dt_ms} ms must be positive"
        );
        let decay = (-dt_ms / tau_ms).exp();
        ExpSynapse {
            decay_factor: U032::from_f64(decay),
            // (τ/dt)(1 − e^(−dt/τ)) < 1 for every τ, dt > 0, so it always fits u0.32.
            init_factor: U032::from_f64(tau_ms / dt_ms * -(-dt_ms / tau_ms).exp_m1()),
            value: Accum::ZERO,
        }
    }

    /// Adds one transferred ring-buffer input: `I += decay_s1615(w_in, init)` (wrapping, like the C `+=`).
    pub fn transfer(&mut self, w_in: Accum) {
        self.value += decay_s1615(w_in, self.init_factor);
    }

    /// The shaping step after the neuron update: `I = decay_s1615(I, decay)`.
    pub fn decay(&mut self) {
        self.value = decay_s1615(self.value, self.decay_factor);
    }
}

/// The excitatory and inhibitory receptors of one neuron (sPyNNaker's `*_exp` models have one of each).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpSynapses {
    /// Receptor 0.
    pub exc: ExpSynapse,
    /// Receptor 1.
    pub inh: ExpSynapse,
}

impl ExpSynapses {
    /// Both receptors at rest.
    pub fn new(tau_syn_e: f64, tau_syn_i: f64, dt_ms: f64) -> ExpSynapses {
        ExpSynapses {
            exc: ExpSynapse::new(tau_syn_e, dt_ms),
            inh: ExpSynapse::new(tau_syn_i, dt_ms),
        }
    }

    /// Transfers one input to the given receptor.
    pub fn transfer(&mut self, receptor: Receptor, w_in: Accum) {
        match receptor {
            Receptor::Excitatory => self.exc.transfer(w_in),
            Receptor::Inhibitory => self.inh.transfer(w_in),
        }
    }

    /// Decays both receptors (step 8 of §4.10).
    pub fn decay(&mut self) {
        self.exc.decay();
        self.inh.decay();
    }
}

impl super::CurrentSynapses for ExpSynapses {
    fn transfer(&mut self, receptor: Receptor, input: Accum) {
        ExpSynapses::transfer(self, receptor, input);
    }

    fn currents(&self) -> (Accum, Accum) {
        (self.exc.value, self.inh.value)
    }

    fn shape(&mut self) {
        self.decay();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factors_for_the_pynn_default_tau() {
        let s = ExpSynapse::new(5.0, 1.0);
        // exp(-0.2) × 2^32 = 3516421808.70; 5 (1 - exp(-0.2)) × 2^32 = 3892727436.50 (python3, f64).
        assert_eq!(s.decay_factor, U032(3_516_421_809));
        assert_eq!(s.init_factor, U032(3_892_727_437));
        assert_eq!(s.value, Accum::ZERO);
    }

    #[test]
    fn transfer_then_decay_bit_exact() {
        let mut s = ExpSynapse::new(5.0, 1.0);
        s.transfer(Accum::ONE);
        // 32768 × 3892727437 >> 32 = 29699.17 -> 29699
        assert_eq!(s.value, Accum(29_699));
        s.decay();
        // 29699 × 3516421809 >> 32 = 24315.6 -> 24315
        assert_eq!(s.value, Accum(24_315));
        s.transfer(Accum(-32768));
        assert_eq!(s.value, Accum(24_315 - 29_700)); // the negative product floors to -29700
    }

    #[test]
    fn one_input_integrates_to_weight_times_tau() {
        for (tau, dt) in [(5.0, 1.0), (2.0, 0.1), (10.0, 1.0), (0.5, 1.0)] {
            let mut s = ExpSynapse::new(tau, dt);
            s.transfer(Accum::from_int(2));
            let (mut charge, mut nonzero) = (0.0, 0.0);
            for _ in 0..100_000 {
                charge += s.value.to_f64() * dt;
                nonzero += f64::from(u8::from(s.value != Accum::ZERO));
                s.decay();
            }
            // Each product floors by < 1 LSB and earlier shortfalls shrink by `decay` per step, so the value is
            // at most 1/(1 - decay) LSB below the exact one at any step: bound the charge deficit by that.
            let slack = nonzero * dt / 32768.0 / (1.0 - s.decay_factor.to_f64());
            assert!(
                charge <= 2.0 * tau + 1e-6 && charge >= 2.0 * tau - slack,
                "τ {tau} dt {dt}: {charge}"
            );
            assert_eq!(s.value, Accum::ZERO);
        }
    }

    #[test]
    fn negative_values_stick_short_of_zero() {
        // Flooring moves a negative value towards zero only while k·(1 - decay) ≥ 1 LSB, so it sticks at
        // -floor(1/(1 - decay)) = -5 for τ = 5 ms, dt = 1 ms. Ring-buffer inputs are unsigned, so only a negative
        // weight could get here.
        let mut s = ExpSynapse::new(5.0, 1.0);
        s.transfer(-Accum::ONE);
        for _ in 0..1000 {
            s.decay();
        }
        assert_eq!(s.value, Accum(-5));
    }

    #[test]
    fn receptors_are_independent() {
        let mut s = ExpSynapses::new(5.0, 10.0, 1.0);
        s.transfer(Receptor::Inhibitory, Accum::ONE);
        assert_eq!(s.exc.value, Accum::ZERO);
        assert!(s.inh.value > Accum::ZERO);
        s.transfer(Receptor::Excitatory, Accum::ONE);
        s.decay();
        assert!(s.inh.value > s.exc.value, "longer τ decays slower");
    }
}
