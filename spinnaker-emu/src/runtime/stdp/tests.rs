use super::lut::{mul_16x16, mul_accum_fixed};
use super::*;
use crate::runtime::fixed::Accum;
use crate::runtime::ring_buffer::{Arrival, RingBuffers};
use crate::runtime::synapse_row::{FixedSynapse, RowView, SynapticRow, SynapticWordLayout};

fn layout() -> SynapticWordLayout {
    SynapticWordLayout::for_core(256, 2, 16).unwrap()
}

/// τ± 20 ms at 1 ms steps with the bounds and amplitudes of a current-based core (no scaling) under `rule`.
fn pair_rule(rule: WeightRule, w_min: f64, w_max: f64, a_plus: f64, a_minus: f64) -> StdpConfig {
    let region = WeightRegion::from_f64(w_min, w_max, a_plus, a_minus);
    StdpConfig::new(1.0, 20.0, 20.0, rule, region, 2).unwrap()
}

fn additive(w_min: f64, w_max: f64) -> StdpConfig {
    pair_rule(WeightRule::Additive, w_min, w_max, 0.01, 0.01)
}

#[test]
fn decay_tables_are_the_hosts() {
    // tau 20 ms at 1 ms: ln(2048) / 0.05 = 152.5 entries, rounded up to an even 154.
    let lut = ExpDecayLut::new(1.0, 20.0).unwrap();
    assert_eq!(lut.values().len(), 154);
    assert_eq!(lut.decay(0), 2048);
    assert_eq!(lut.decay(1), 1948, "floor(2048 e^-0.05) = floor(1948.1)");
    assert_eq!(lut.decay(20), 753, "floor(2048 / e)");
    assert_eq!(
        (lut.decay(153), lut.decay(154), lut.decay(u32::MAX)),
        (0, 0, 0)
    );
    // 0.1 ms steps: 1524.9 entries -> 1526.
    assert_eq!(ExpDecayLut::new(0.1, 20.0).unwrap().values().len(), 1526);
    for (dt, tau) in [
        (1.0, 0.0),
        (1.0, -5.0),
        (1.0, f64::NAN),
        (0.0, 20.0),
        (0.1, 1e6),
    ] {
        assert_eq!(ExpDecayLut::new(dt, tau), None, "dt {dt} tau {tau}");
    }
    let region = additive(0.0, 1.0).weights.regions[0];
    assert!(
        StdpConfig::new(1.0, 20.0, 0.0, WeightRule::Additive, region, 2)
            .unwrap_err()
            .to_string()
            .contains("tau_minus")
    );
}

#[test]
fn stdp_fixed_point_products_are_the_arms() {
    assert_eq!(mul_16x16(2048, 2048), 2048);
    assert_eq!(mul_16x16(-1, 1), -1, "arithmetic shift rounds towards -inf");
    assert_eq!(
        mul_16x16(0x1_0800, 1024),
        1024,
        "SMULBB reads the low halves only"
    );
    // 0.5 (s16.15) times 1.0 (s4.11) is 0.5.
    assert_eq!(mul_accum_fixed(Accum(1 << 14), 2048), Accum(1 << 14));
    assert_eq!(mul_accum_fixed(Accum(3), 1), Accum(0), "truncated");
}

#[test]
fn traces_decay_by_table_and_gain_one_per_spike_wrapping_like_int16() {
    let timing = additive(0.0, 1.0).timing;
    let first = timing.add_pre_spike(10, 0, 0);
    assert_eq!(first, 2048);
    let lut = ExpDecayLut::new(1.0, 20.0).unwrap();
    assert_eq!(
        timing.add_pre_spike(15, 10, first),
        (mul_16x16(2048, lut.decay(5)) + 2048) as i16
    );
    assert_eq!(
        timing.add_post_spike(7, 7, i16::MAX),
        -30721,
        "32767 + 2048 as int16"
    );
    assert_eq!(timing.potentiation(10, 10, 2048), None, "same step");
    assert_eq!(timing.potentiation(16, 10, 2048), Some(lut.decay(6)));
    // A post spike seen after the pre spike: the unsigned gap wraps and the lookup is 0, still applied.
    assert_eq!(timing.depression(10, 12, 2048), Some(0));
}

#[test]
fn post_histories_keep_fifteen_spikes_behind_the_placeholder() {
    let timing = additive(0.0, 1.0).timing;
    let mut h = PostHistory::default();
    let w = h.window(0, 100);
    assert!(w.times.is_empty() && !w.prev_valid);
    for t in 1..=20 {
        h.add_spike(t, &timing);
    }
    assert_eq!(h.len(), MAX_POST_SYNAPTIC_EVENTS - 1);
    let all = h.window(0, 100);
    assert_eq!(all.times, (6..=20).collect::<Vec<_>>().as_slice());
    assert!(
        !all.prev_valid,
        "spikes 1-5 were dropped; only the placeholder precedes"
    );
    let some = h.window(10, 15);
    assert_eq!(some.times, [11, 12, 13, 14, 15]);
    assert_eq!((some.prev_time, some.prev_valid), (10, true));
    let none = h.window(20, 30);
    assert!(none.times.is_empty());
    assert_eq!((none.prev_time, none.prev_valid), (20, true));
    // Upstream quirk: a spike at time 0 is never in a window beginning at 0, but counts as the one before.
    let mut zero = PostHistory::default();
    zero.add_spike(0, &timing);
    let w = zero.window(0, 5);
    assert!(w.times.is_empty() && w.prev_valid);
}

#[test]
fn plastic_rows_lay_out_history_weights_and_controls() {
    let layout = layout();
    let synapses = [
        FixedSynapse {
            weight: 100,
            delay: 1,
            synapse_type: 0,
            index: 7,
        },
        FixedSynapse {
            weight: 200,
            delay: 15,
            synapse_type: 1,
            index: 255,
        },
        FixedSynapse {
            weight: 300,
            delay: 0,
            synapse_type: 0,
            index: 0,
        },
    ];
    let fixed = layout.encode(5, 2, 1, 3).unwrap();
    let row = SynapticRow::plastic(layout, &synapses, &[fixed]).unwrap();
    let control = |s: &FixedSynapse| layout.encode(0, s.delay, s.synapse_type, s.index).unwrap();
    assert_eq!(
        row.row_words(),
        [
            4,
            0,
            0,
            100 | 200 << 16,
            300,
            1,
            3,
            fixed,
            control(&synapses[0]) | control(&synapses[1]) << 16,
            control(&synapses[2]),
        ]
    );
    let view = row.view();
    assert_eq!(
        plastic_weights(&view).unwrap().collect::<Vec<_>>(),
        [100, 200, 300]
    );
    let decoded: Vec<FixedSynapse> = view
        .plastic_controls()
        .map(|c| layout.decode(u32::from(c)))
        .collect();
    let expected: Vec<FixedSynapse> = synapses
        .iter()
        .map(|s| FixedSynapse { weight: 0, ..*s })
        .collect();
    assert_eq!(decoded, expected);

    let mut words = row.row_words().to_vec();
    words[2] |= 0xABCD_0000;
    let mut plastic = PlasticRowMut::parse(&mut words).unwrap();
    assert_eq!((plastic.n_synapses(), plastic.region_bytes()), (3, 16));
    plastic.set_weight(1, 222);
    plastic.set_pre_history(9, -2);
    assert_eq!(plastic.pre_history(), (9, -2));
    assert_eq!(
        (plastic.weight(0), plastic.weight(1), plastic.weight(2)),
        (100, 222, 300)
    );
    assert_eq!(words[2], 0xABCD_FFFE, "the padding half-word is left alone");

    let mut static_row = SynapticRow::fixed(&[fixed]).unwrap().row_words().to_vec();
    assert!(PlasticRowMut::parse(&mut static_row).is_none());
    assert!(plastic_weights(&RowView::parse(&static_row).unwrap()).is_none());
    // A plastic region too short for its weights is refused rather than read past.
    let short = SynapticRow::new(&[0, 0], &[], &[control(&synapses[0]) as u16]).unwrap();
    let mut short = short.row_words().to_vec();
    assert!(PlasticRowMut::parse(&mut short).is_none());
}

#[test]
fn weight_states_apply_the_dependences_in_s1615() {
    let region = WeightRegion {
        min_weight: Accum::from_f64(0.25),
        max_weight: Accum::from_f64(1.0),
        a2_plus: Accum::from_f64(0.5),
        a2_minus: Accum::from_f64(0.5),
    };
    // 128 units at shift 8 is 128 * 2^(8 - 15) = 1.0... start at 0.5 (64 units).
    let mut s = WeightState::new(64, 8);
    assert_eq!(s.weight(), Accum::from_f64(0.5));
    s.potentiate(WeightRule::Additive, &region, 1024);
    assert_eq!(s.weight(), Accum::from_f64(0.75), "0.5 + 0.5 x 0.5");
    s.potentiate(WeightRule::Additive, &region, 2048);
    assert_eq!((s.weight(), s.clips()), (region.max_weight, 1));
    s.depress(WeightRule::Additive, &region, 4096);
    assert_eq!((s.weight(), s.clips()), (region.min_weight, 2));
    assert_eq!(s.final_weight(), 32);

    let mut m = WeightState::new(64, 8);
    m.potentiate(WeightRule::Multiplicative, &region, 2048);
    assert_eq!(
        m.weight(),
        Accum::from_f64(0.75),
        "0.5 + (1 - 0.5) x 0.5 x 1"
    );
    m.depress(WeightRule::Multiplicative, &region, 1024);
    assert_eq!(
        m.weight(),
        Accum::from_f64(0.625),
        "0.75 - (0.75 - 0.25) x 0.5 x 0.5"
    );
    assert_eq!(m.clips(), 0);
    // Truncating shift back: 0.625 is 80 units exactly; one LSB less is 79.
    assert_eq!(m.final_weight(), 80);
    assert_eq!(WeightState::new(1, 8).final_weight(), 1);
}

/// A one-synapse plastic row onto neuron 0 with delay 1, and the neuron's history.
fn one_synapse(weight: u16) -> Vec<u32> {
    let synapse = FixedSynapse {
        weight,
        delay: 1,
        synapse_type: 0,
        index: 0,
    };
    SynapticRow::plastic(layout(), &[synapse], &[])
        .unwrap()
        .row_words()
        .to_vec()
}

#[test]
fn a_row_update_is_bit_exact_and_adds_the_new_weight() {
    let config = additive(0.0, 100.0);
    let shifts = [6, 6];
    let mut ring = RingBuffers::new(layout(), 2).unwrap();
    let mut post = [PostHistory::default()];
    let mut counters = StdpCounters::default();
    let mut words = one_synapse(256);
    let process = |words: &mut [u32],
                   post: &[PostHistory],
                   ring: &mut RingBuffers,
                   counters: &mut StdpCounters,
                   time| {
        let arrival = ring.begin_row(time, time & 15, 4);
        let mut row = PlasticRowMut::parse(words).unwrap();
        process_row(&config, &mut row, post, &shifts, ring, &arrival, counters)
    };
    // Pre at 10 (nothing to pair with), post at 13 (seen at 14), pre at 30.
    process(&mut words, &post, &mut ring, &mut counters, 10);
    assert_eq!(ring.get(11, 0, 0), 256);
    post[0].add_spike(13, &config.timing);
    let work = process(&mut words, &post, &mut ring, &mut counters, 30);
    assert_eq!(
        work,
        PlasticWork {
            synapses: 1,
            post_events: 1
        }
    );
    let lut = &config.timing;
    let region = config.weights.regions[0];
    let potentiation = lut.tau_plus.decay(4); // trace 2048 at 10, seen at 14
    let depression = lut.tau_minus.decay(16); // trace 2048 at 13 (seen 14), pre at 30
    let bits = Accum(256 << 6) + mul_accum_fixed(region.a2_plus, potentiation)
        - mul_accum_fixed(region.a2_minus, depression);
    let expected = (bits.0 >> 6) as u16;
    let weight = plastic_weights(&RowView::parse(&words).unwrap())
        .unwrap()
        .next();
    assert_eq!(weight, Some(expected));
    assert_eq!(ring.get(31, 0, 0), expected);
    assert_eq!(
        RowView::parse(&words).unwrap().plastic_region()[..2],
        [30, {
            let decayed = mul_16x16(2048, lut.tau_plus.decay(20));
            u32::from((decayed + 2048) as u16)
        }]
    );
    assert_eq!(counters.plastic_synapses, 2);

    // A full ring-buffer entry: the plastic add clips and is counted as a plastic saturation only.
    ring.add(
        48,
        FixedSynapse {
            weight: 0xFFFF,
            delay: 1,
            synapse_type: 0,
            index: 0,
        },
    );
    process(&mut words, &post, &mut ring, &mut counters, 48);
    assert_eq!(ring.get(49, 0, 0), 0xFFFF);
    assert_eq!(counters.saturations, 1);
    assert_eq!(ring.counters().saturations, 0);
}

#[test]
fn late_plastic_synapses_are_skipped_but_still_learn() {
    let config = additive(0.0, 100.0);
    let mut ring = RingBuffers::new(layout(), 2).unwrap();
    let mut post = [PostHistory::default()];
    post[0].add_spike(3, &config.timing);
    let mut counters = StdpCounters::default();
    let mut words = one_synapse(256);
    // Sent at 5 (colour 5) but processed at 6: one tick late, so the delay-1 synapse is skipped.
    let arrival = ring.begin_row(6, 5, 4);
    let mut row = PlasticRowMut::parse(&mut words).unwrap();
    process_row(
        &config,
        &mut row,
        &post,
        &[6, 6],
        &mut ring,
        &arrival,
        &mut counters,
    );
    assert_eq!(ring.counters().skipped_synapses, 1);
    assert_eq!(row.pre_history().0, 5, "stamped with the sending step");
    assert!(
        row.weight(0) < 256,
        "depressed by the post spike at 3 (seen at 4)"
    );
    assert_eq!(Arrival::new(6, 5, 4).sent_time(), 5);
}

/// The weight change (in row units at shift 0) that one pre-post-pre sequence makes to a synapse of
/// `initial` units: pre at 10, post at 13 (seen at 14), pre at 30.
fn pair_sequence_change(config: &StdpConfig, initial: u16) -> i32 {
    let mut ring = RingBuffers::new(layout(), 2).unwrap();
    let mut post = [PostHistory::default()];
    let mut counters = StdpCounters::default();
    let mut words = one_synapse(initial);
    for time in [10, 30] {
        if time == 30 {
            post[0].add_spike(13, &config.timing);
        }
        let arrival = ring.begin_row(time, time & 15, 4);
        let mut row = PlasticRowMut::parse(&mut words).unwrap();
        process_row(
            config,
            &mut row,
            &post,
            &[0, 0],
            &mut ring,
            &arrival,
            &mut counters,
        );
    }
    let weight = plastic_weights(&RowView::parse(&words).unwrap())
        .unwrap()
        .next()
        .unwrap();
    i32::from(weight) - i32::from(initial)
}

#[test]
fn w_max_scales_multiplicative_steps_but_not_additive_ones() {
    // sPyNNaker 7.x writes A± x global_weight_scale for the additive rule (no w_max factor: its own reference,
    // synapse_dynamics_utils.calculate_spike_pair_additive_stdp_weight, is w0 + Σ A+ e^(-Δt/τ+) - Σ A- e^(Δt/τ-)
    // whatever w_max) and bare A± for the multiplicative one, which multiplies by (w_max - w) or (w - w_min).
    // Amplitudes small enough that no step reaches a bound at w_max 0.1 (an additive step there is clamped).
    let config = |rule_kind, w_max| pair_rule(rule_kind, 0.0, w_max, 0.02, 0.01);
    let units = |w: f64| (w * 32768.0).round() as u16;
    // The same pairs at the same relative weight (w = 0.5 w_max) with w_max 0.1 and 1.0.
    let small = pair_sequence_change(&config(WeightRule::Multiplicative, 0.1), units(0.05));
    let large = pair_sequence_change(&config(WeightRule::Multiplicative, 1.0), units(0.5));
    let ratio = f64::from(small) / f64::from(large);
    assert!(large > 100, "a change of {large} units");
    assert!(
        (ratio - 0.1).abs() < 0.01,
        "multiplicative: {small} / {large} = {ratio}"
    );
    let small = pair_sequence_change(&config(WeightRule::Additive, 0.1), units(0.05));
    let large = pair_sequence_change(&config(WeightRule::Additive, 1.0), units(0.5));
    assert!(large > 100, "a change of {large} units");
    assert_eq!(
        small, large,
        "additive: A± are weights, independent of w_max"
    );
}
