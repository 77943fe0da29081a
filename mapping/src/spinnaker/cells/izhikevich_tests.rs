//! The Izhikevich neuron from PyNN parameters: the constants, the encoding and the RK2 step, bit for bit.

use super::*;
use spinnaker_emu::runtime::fixed::Rounding;
use spinnaker_emu::runtime::neuron::izhikevich::{MAGIC_MULTIPLIER, SIMPLE_TQ_OFFSET, THRESHOLD};
use spinnaker_emu::runtime::neuron::{NeuronModel, Receptor};

fn regular_spiking(i_offset: f64) -> Izhikevich {
    izhikevich(
        &IzhConfig {
            d: 8.0,
            i_offset,
            ..IzhConfig::default()
        },
        1.0,
    )
}

#[test]
fn constants_and_defaults_bit_exact() {
    assert_eq!(MAGIC_MULTIPLIER, Accum::from_f64(0.040008544921875));
    assert_eq!(THRESHOLD, Accum(30 << 15));
    let n = izhikevich(&IzhConfig::default(), 1.0);
    assert_eq!(
        (n.a, n.b, n.c, n.d),
        (
            Accum(655),
            Accum(6554),
            Accum::from_int(-65),
            Accum::from_int(2)
        )
    );
    assert_eq!(
        (n.v, n.u, n.this_h),
        (Accum::from_int(-70), Accum::from_int(-14), Accum::ONE)
    );
}

#[test]
fn first_step_from_the_default_state_bit_exact() {
    // V = -70, U = -14, I = 0, h = 1.
    let mut n = izhikevich(&IzhConfig::default(), 1.0);
    assert!(!n.step(Accum::ZERO, Accum::ZERO, Rounding::Truncate));
    // Worked on the bits (an independent Python transcription of the C): pre = 154 → 5046272;
    // k·V = -91770; α = 1372; η = -2293074; b·V − U = -28, × h × a = -0.56 → -1, halved → β = -1;
    // V = -70 + h·(pre − β + (5 + k·η)·η) → -2292768 (-69.96973 mV, f64: -69.97069);
    // U = -14 + a·h·(−U − β + b·η) → -458750.
    assert_eq!((n.v, n.u), (Accum(-2_292_768), Accum(-458_750)));
}

#[test]
fn spike_resets_and_bumps_the_next_step_only() {
    let mut n = regular_spiking(10.0);
    let first = (1..=200)
        .find(|_| n.step(Accum::ZERO, Accum::ZERO, Rounding::Truncate))
        .expect("spikes");
    assert!(first > 1);
    assert_eq!(n.v, Accum::from_int(-65));
    assert_eq!(n.this_h, SIMPLE_TQ_OFFSET);
    n.step(Accum::ZERO, Accum::ZERO, Rounding::Truncate);
    assert_eq!(n.this_h, Accum::ONE);
}

#[test]
fn regular_spiking_fires_periodically_under_constant_input() {
    let mut n = regular_spiking(10.0);
    let spikes: Vec<i32> = (1..=1000)
        .filter(|_| n.step(Accum::ZERO, Accum::ZERO, Rounding::Truncate))
        .collect();
    let isis: Vec<i32> = spikes.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(spikes.len() > 10, "{spikes:?}");
    // Adaptation: the first interval is short, then U builds up and the intervals settle on a limit
    // cycle of ≈46 steps, which the grid resolves into a pattern of 45–48-step intervals.
    let tail = &isis[isis.len() / 2..];
    let (lo, hi) = (tail.iter().min().unwrap(), tail.iter().max().unwrap());
    assert!(hi - lo <= 3, "steady intervals {isis:?}");
    assert!(isis[0] < lo / 2, "adaptation: {isis:?}");
    let mean = |s: &[i32]| f64::from(s.iter().sum::<i32>()) / s.len() as f64;
    let (q3, q4) = tail.split_at(tail.len() / 2);
    assert!((mean(q3) - mean(q4)).abs() < 1.0, "period drifts: {isis:?}");
}

#[test]
fn synaptic_current_is_exc_minus_inh() {
    let mut a = izh_curr_exp(&IzhConfig::default(), 1.0);
    let mut b = a;
    a.transfer(Receptor::Excitatory, Accum::from_int(3));
    a.transfer(Receptor::Inhibitory, Accum::from_int(1));
    b.transfer(Receptor::Excitatory, Accum::from_int(2));
    let (ra, rb) = (a.recorded(), b.recorded());
    // floor(3x) - floor(x) is floor(2x) or one more.
    assert!(
        ((ra.gsyn_exc - ra.gsyn_inh) - (rb.gsyn_exc - rb.gsyn_inh))
            .0
            .abs()
            <= 1
    );
    a.update(Rounding::Truncate);
    b.update(Rounding::Truncate);
    assert!((a.izh.v - b.izh.v).0.abs() <= 2);
}
