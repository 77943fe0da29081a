//! STDP through a whole neuron core: a teacher source with a strong static synapse makes the neuron fire at a
//! known tick, a second source reaches it through one plastic synapse; the weight read back after the run
//! matches the pair rule's formula within the fixed-point resolution.

use super::tests::{image, program};
use super::*;
use crate::image::fixtures::{layout, neuron_core, neuron_core_with_rows};
use crate::image::{Recording, SpikeArrayCoreImage};
use crate::runtime::stdp::{StdpConfig, WeightRegion, WeightRule};
use crate::runtime::synapse_row::{FixedSynapse, SynapticRow};

/// One weight unit: the fixture's shift of 6 makes the LSB 2^(6 - 15) nA.
const UNIT_NA: f64 = 1.0 / 512.0;
/// The plastic synapse's initial weight, 0.5 nA: far too weak to make the neuron fire.
const W0: u16 = 256;
/// The teacher's static weight, which fires the neuron on the tick after its spike (see tests.rs).
const TEACHER: u16 = 36 << 9;

/// The outcome of one run: the plastic weight, the neuron's spike ticks and the core's counters and profile.
struct Outcome {
    weight: u16,
    post_ticks: Vec<u32>,
    counters: CoreCounters,
    profile: crate::runtime::cycles::CoreProfile,
}

/// Source 0 (the teacher) spikes at `teacher`, source 1 at `pre`; source 1's row is one plastic synapse of
/// weight `w0` and delay 1 onto the single neuron, under `stdp`. Runs `ms` milliseconds.
fn run(stdp: StdpConfig, w0: u16, teacher: &[u32], pre: &[u32], ms: f64) -> Outcome {
    let layout = layout();
    let rows = [
        SynapticRow::fixed(&[layout.encode(TEACHER, 1, 0, 0).unwrap()]).unwrap(),
        SynapticRow::plastic(
            layout,
            &[FixedSynapse {
                weight: w0,
                delay: 1,
                synapse_type: 0,
                index: 0,
            }],
            &[],
        )
        .unwrap(),
    ];
    let mut core = neuron_core_with_rows(1, &rows);
    core.stdp = Some(Box::new(stdp));
    let item = core.master_pop_table.address_list()[0];
    let source = CoreProgram::SpikeArray(SpikeArrayCoreImage {
        spike_ticks: vec![teacher.to_vec(), pre.to_vec()],
        key_base: Some(crate::image::fixtures::SOURCE_KEYS),
        n_colour_bits: 4,
        recording: Recording::default(),
    });
    let mut sim = load(
        &image(source, core),
        NetworkParams::default(),
        CycleCosts::default(),
    )
    .unwrap();
    sim.run(Time::from_ms(ms), 1);
    let p = program(&sim, 2);
    let Program::Neurons(n) = p else {
        unreachable!()
    };
    Outcome {
        weight: p.plastic_weights(item, 1).unwrap()[0],
        post_ticks: p.spikes().iter().map(|&(t, _)| t).collect(),
        counters: *p.counters(),
        profile: n.profile,
    }
}

/// τ+ 20 ms, τ− 15 ms at 1 ms steps; bounds and A± as the host writes them for a current-based core.
fn config(rule: WeightRule, a_plus: f64, a_minus: f64, w_min: f64, w_max: f64) -> StdpConfig {
    let region = WeightRegion::from_f64(w_min, w_max, a_plus, a_minus);
    StdpConfig::new(1.0, 20.0, 15.0, rule, region, 2).unwrap()
}

/// `got` is within one weight unit (the final truncation) of `expected_na`.
fn assert_near(got: u16, expected_na: f64) {
    let expected = expected_na / UNIT_NA;
    assert!(
        (f64::from(got) - expected).abs() <= 1.0,
        "weight {got} units, expected {expected:.3} units"
    );
}

#[test]
fn pre_before_post_potentiates_by_a_plus_exp() {
    // Pre at 10; teacher at 14 fires the neuron at 15, which reaches the synapse one delay later at 16: the
    // pair is 6 ms apart. The next pre spike at 200 fetches the row and applies it; its own pairing with the
    // post spike (184 ms) is past the end of the tau- table, so only the potentiation remains.
    let w = run(
        config(WeightRule::Additive, 0.1, 0.1, 0.0, 10.0),
        W0,
        &[14],
        &[10, 200],
        205.0,
    );
    assert_eq!(w.post_ticks, [15]);
    assert_near(w.weight, 0.5 + 0.1 * (-6.0f64 / 20.0).exp());
    assert_eq!(w.counters.stdp.plastic_synapses, 2);
    assert_eq!(w.counters.synaptic_events, 3, "one static, two plastic");
    assert_eq!(w.counters.stdp.weight_clips, 0);
}

#[test]
fn the_weight_only_changes_when_the_row_is_next_fetched() {
    // As above but the run ends before the second pre spike: the post spike is in the neuron's history,
    // and the stored weight is still the initial one (no flush, as sPyNNaker).
    let w = run(
        config(WeightRule::Additive, 0.1, 0.1, 0.0, 10.0),
        W0,
        &[14],
        &[10],
        100.0,
    );
    assert_eq!(w.post_ticks, [15]);
    assert_eq!(w.weight, W0);
}

#[test]
fn post_before_pre_depresses_by_a_minus_exp_and_costs_what_the_model_says() {
    // Teacher at 10 fires the neuron at 11, seen at the synapse at 12; the first pre spike at 20 is 8 ms later.
    // With no earlier pre spike the pre trace is 0, so the post spike potentiates by nothing.
    let w = run(
        config(WeightRule::Additive, 0.1, 0.1, 0.0, 10.0),
        W0,
        &[10],
        &[20],
        25.0,
    );
    assert_eq!(w.post_ticks, [11]);
    assert_near(w.weight, 0.5 - 0.1 * (-8.0f64 / 15.0).exp());
    let c = CycleCosts::default();
    let teacher_row = c.row_overhead + c.fixed_synapse;
    // One plastic synapse with one post spike in its window, then the write-back's DMA set-up.
    let plastic_row =
        c.row_overhead + c.plastic_row + c.plastic_synapse + c.stdp_post_event + c.dma_setup;
    assert_eq!(
        w.profile.synaptic_processing_cycles,
        teacher_row + plastic_row
    );
}

#[test]
fn multiplicative_changes_scale_with_the_distance_to_the_bound() {
    let (w_min, w_max) = (0.1, 2.0);
    let pot = run(
        config(WeightRule::Multiplicative, 0.2, 0.2, w_min, w_max),
        W0,
        &[14],
        &[10, 200],
        205.0,
    );
    assert_near(
        pot.weight,
        0.5 + (w_max - 0.5) * 0.2 * (-6.0f64 / 20.0).exp(),
    );
    let dep = run(
        config(WeightRule::Multiplicative, 0.2, 0.2, w_min, w_max),
        W0,
        &[10],
        &[20],
        25.0,
    );
    assert_near(
        dep.weight,
        0.5 - (0.5 - w_min) * 0.2 * (-8.0f64 / 15.0).exp(),
    );
}

#[test]
fn additive_weights_clamp_at_the_bounds_and_count_it() {
    let high = run(
        config(WeightRule::Additive, 0.1, 0.1, 0.0, 0.55),
        W0,
        &[14],
        &[10, 200],
        205.0,
    );
    // w_max 0.55 nA is 18,022 in s16.15, 281 units after the shift back.
    assert_eq!(high.weight, 281);
    assert_eq!(high.counters.stdp.weight_clips, 1);
    let low = run(
        config(WeightRule::Additive, 0.1, 0.1, 0.45, 10.0),
        W0,
        &[10],
        &[20],
        25.0,
    );
    assert_eq!(low.weight, 230);
    assert_eq!(low.counters.stdp.weight_clips, 1);
    let named = low.counters.named();
    assert!(named.contains(&("Plastic_weights_clipped_to_bounds", 1)));
    assert!(named.contains(&("Times_plastic_synaptic_weights_have_saturated", 0)));
}

#[test]
fn a_static_core_has_no_plastic_weights_and_no_stdp_counts() {
    let core = neuron_core(1, 1, TEACHER, |_| vec![0]);
    let item = core.master_pop_table.address_list()[0];
    let source = CoreProgram::SpikeArray(SpikeArrayCoreImage {
        spike_ticks: vec![vec![1, 5]],
        key_base: Some(crate::image::fixtures::SOURCE_KEYS),
        n_colour_bits: 4,
        recording: Recording::default(),
    });
    let mut sim = load(
        &image(source, core),
        NetworkParams::default(),
        CycleCosts::default(),
    )
    .unwrap();
    sim.run(Time::from_ms(10.0), 1);
    let p = program(&sim, 2);
    assert_eq!(p.plastic_weights(item, 0), None);
    assert_eq!(p.counters().stdp, Default::default());
    assert_eq!(p.spikes(), &[(2, 0), (6, 0)]);
}

#[test]
fn a_core_refuses_stdp_parameters_for_another_number_of_synapse_types() {
    let mut core = neuron_core(1, 1, TEACHER, |_| vec![0]);
    let mut stdp = config(WeightRule::Additive, 0.1, 0.1, 0.0, 1.0);
    stdp.weights.regions.pop();
    core.stdp = Some(Box::new(stdp));
    let err = NeuronCore::new(core).err().unwrap();
    assert!(
        err.contains("1 per-type regions but the core has 2"),
        "{err}"
    );
}
