//! `IF_cond_exp` from PyNN parameters: the conductance input and its explicit coupling to the membrane.

use super::*;
use spinnaker_emu::runtime::fixed::Rounding;
use spinnaker_emu::runtime::neuron::cond::conductance;
use spinnaker_emu::runtime::neuron::{NeuronModel, Receptor};

/// A neuron that cannot spike (threshold above both reversal potentials), so V can approach E_rev.
fn quiet() -> LifCondExp {
    let c = LifConfig {
        v_thresh: 20.0,
        ..LifConfig::default()
    };
    lif_cond_exp(&c, &CondConfig::default(), 1.0)
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
    let r = reversal(&CondConfig::default());
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
