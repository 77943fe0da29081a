//! The LIF membrane and the current-based neurons from PyNN parameters: the encoding and the update, bit for bit.

use super::*;
use spinnaker_emu::runtime::fixed::Rounding;
use spinnaker_emu::runtime::neuron::{NeuronModel, Receptor};

fn membrane(tau_refrac: f64, i_offset: f64, dt: f64) -> Lif {
    lif(
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
    let p = lif_params(&LifConfig::default(), 1.0);
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
    let mut n = membrane(2.0, 1.0, 1.0);
    assert!(!n.step(Accum::ZERO, Accum::ZERO, Rounding::Truncate));
    // α = 1 × 20 - 65 = -45 exactly; α - V = 20; exp_TC × 20 = 31170 × 20 bits exactly.
    assert_eq!(n.v, Accum(-45 * 32768 - 31_170 * 20));
    let mut m = membrane(2.0, 1.0, 1.0);
    m.step(Accum::ZERO, Accum::ZERO, Rounding::Nearest);
    assert_eq!(m.v, n.v, "no product has dropped bits here");
}

#[test]
fn rounding_mode_selects_the_product() {
    // 0.2 nA: α - V = 6554 × 20 bits; exp_TC × that = 31170 × 131080 / 2^15 = 124687.6 bits.
    let alpha = -65 * 32768 + 6554 * 20;
    for (rounding, product) in [(Rounding::Truncate, 124_687), (Rounding::Nearest, 124_688)] {
        let mut n = membrane(0.1, 0.2, 1.0);
        n.step(Accum::ZERO, Accum::ZERO, rounding);
        assert_eq!(n.v, Accum(alpha - product), "{rounding:?}");
    }
}

#[test]
fn synaptic_currents_enter_as_exc_minus_inh() {
    let mut a = membrane(0.1, 0.0, 1.0);
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
        let mut n = membrane(tau_refrac, 1000.0, dt);
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
    let mut n = membrane(3.0, 100.0, 1.0);
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
    let t_star = -c.tau_m * (1.0 - (c.v_thresh - c.v_rest) / (c.tau_m / c.cm * c.i_offset)).ln();
    let mut n = lif(&c, 1.0);
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
    let mut n = lif_curr_exp(&LifConfig::default(), 1.0);
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
    let mut n = lif_curr_alpha(&c, dt);
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
