//! Core programs through the kernel: a spike travels source core -> router -> neuron core -> ring buffer
//! -> neuron, on the ticks the runtime's rules give; an overloaded core overruns and drops spikes, and says so.

use super::*;
use crate::geometry::ChipCoord;
use crate::image::fixtures::{SOURCE_KEYS, neuron_core};
use crate::image::{NeuronCoreImage, PoissonCoreImage, Recording, SpikeArrayCoreImage};
use crate::router::table::{Route, RoutingEntry};
use crate::runtime::poisson::SourceParams;

/// Source core 1 and neuron core 2 on chip (2, 2) of a SpiNN-5 board, the sources' keys routed to core 2.
pub(super) fn image(source: CoreProgram, neurons: NeuronCoreImage) -> MachineImage {
    MachineImage::one_chip(
        "spinnaker-48",
        ChipCoord::new(2, 2),
        vec![RoutingEntry {
            key: SOURCE_KEYS,
            mask: 0xFFFF_0000,
            route: Route::default().with_core(2),
        }],
        vec![(1, source), (2, CoreProgram::Neurons(neurons))],
    )
}

pub(super) fn program(sim: &Simulation<ChipRuntime>, core: usize) -> &Program {
    let i = sim.machine().chip_index(ChipCoord::new(2, 2)).unwrap() as usize;
    sim.chips()[i].app.cores[core].as_ref().unwrap()
}

#[test]
fn a_spike_reaches_its_target_one_tick_later_and_makes_it_fire() {
    let source = CoreProgram::SpikeArray(SpikeArrayCoreImage {
        spike_ticks: vec![vec![1, 5]],
        key_base: Some(SOURCE_KEYS),
        n_colour_bits: 4,
        recording: Recording {
            spikes: true,
            ..Recording::default()
        },
    });
    // 36 nA (36 * 2^9 at a shift of 6) times init = 0.43 lifts V by ~15.2 mV in one step: past the 15 mV
    // to threshold.
    let img = image(source, neuron_core(1, 1, 36 << 9, |_| vec![0]));
    let mut sim = load(&img, NetworkParams::default(), CycleCosts::default()).unwrap();
    sim.run(Time::from_ms(10.0), 1);
    assert_eq!(program(&sim, 1).spikes(), &[(1, 0), (5, 0)]);
    // Sent in tick 1, processed in tick 1 into slot 1 + delay 1, transferred and fired in tick 2.
    assert_eq!(program(&sim, 2).spikes(), &[(2, 0), (6, 0)]);
    let c = program(&sim, 2).counters();
    assert_eq!((c.spikes_received, c.dmas, c.synaptic_events), (2, 2, 2));
    assert_eq!(
        (c.timer_overruns, c.input_buffer_overflows, c.late_packets),
        (0, 0, 0)
    );
    assert_eq!(c.spikes_sent, 2);
}

#[test]
fn a_core_nothing_listens_to_fires_and_records_but_sends_nothing() {
    let source = CoreProgram::SpikeArray(SpikeArrayCoreImage {
        spike_ticks: vec![vec![1, 5]],
        key_base: Some(SOURCE_KEYS),
        n_colour_bits: 4,
        recording: Recording::default(),
    });
    let mut neurons = neuron_core(1, 1, 36 << 9, |_| vec![0]);
    neurons.key_base = None;
    let mut sim = load(
        &image(source, neurons),
        NetworkParams::default(),
        CycleCosts::default(),
    )
    .unwrap();
    sim.run(Time::from_ms(10.0), 1);
    assert_eq!(program(&sim, 2).spikes(), &[(2, 0), (6, 0)]);
    assert_eq!(program(&sim, 2).counters().spikes_sent, 0);
    let routers = sim.totals().router;
    assert_eq!(
        (routers.loc_mc, routers.lost()),
        (2, 0),
        "only the source's two packets"
    );
}

#[test]
fn a_weaker_synapse_does_not_fire_and_nothing_is_lost() {
    let source = CoreProgram::SpikeArray(SpikeArrayCoreImage {
        spike_ticks: vec![vec![1]],
        key_base: Some(SOURCE_KEYS),
        n_colour_bits: 4,
        recording: Recording::default(),
    });
    let img = image(source, neuron_core(1, 1, 20 << 9, |_| vec![0]));
    let mut sim = load(&img, NetworkParams::default(), CycleCosts::default()).unwrap();
    sim.run(Time::from_ms(5.0), 1);
    assert!(program(&sim, 2).spikes().is_empty());
    assert_eq!(program(&sim, 2).counters().synaptic_events, 1);
}

#[test]
fn an_overloaded_core_overruns_and_drops_spikes_and_counts_both() {
    // 500 Poisson sources at 500 Hz (half a spike per source per tick), each with a row of 256 synapses:
    // ~250 rows x ~4,200 cycles per tick, five times the 200,000 cycles of a 1 ms tick.
    let source = CoreProgram::PoissonSource(PoissonCoreImage {
        sources: vec![
            SourceParams {
                rate_hz: 500.0,
                start_ms: 0.0,
                duration_ms: None,
            };
            500
        ],
        seed: [1, 2, 3, 4],
        key_base: Some(SOURCE_KEYS),
        n_colour_bits: 4,
        recording: Recording::default(),
    });
    let img = image(source, neuron_core(256, 500, 1, |_| (0..256).collect()));
    let mut sim = load(&img, NetworkParams::default(), CycleCosts::default()).unwrap();
    sim.run(Time::from_ms(20.0), 1);
    let c = *program(&sim, 2).counters();
    assert!(c.timer_overruns > 0, "{c:?}");
    assert!(c.input_buffer_overflows > 0, "{c:?}");
    assert!(c.late_packets > 0, "{c:?}");
    assert!(c.max_tick_cycles > 200_000, "{c:?}");
    // Every spike received is processed or counted as dropped.
    assert_eq!(
        c.spikes_received,
        c.spikes_processed + c.input_buffer_overflows
    );
    assert_eq!(c.synaptic_events, 256 * c.spikes_processed);
}

mod no_silent_loss {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Whatever the load, every packet a source core sends reaches the neuron core, and every spike it
        /// receives is processed (all its synapses added) or counted as dropped.
        #[test]
        fn every_spike_is_processed_or_counted(
            // At least ~20 spikes per source in the 20 ms run, so every case has traffic to account for.
            rate_hz in 1000.0..3000.0f64,
            n_sources in 1u16..200,
            row_len in 1u16..256,
            buffer in 8u32..256,
        ) {
            let source = CoreProgram::PoissonSource(PoissonCoreImage {
                sources: vec![SourceParams { rate_hz, start_ms: 0.0, duration_ms: None }; n_sources as usize],
                seed: [5, 6, 7, 8],
                key_base: Some(SOURCE_KEYS),
                n_colour_bits: 4,
                recording: Recording::default(),
            });
            let mut neurons = neuron_core(256, n_sources, 1, |_| (0..row_len).collect());
            neurons.incoming_spike_buffer = buffer;
            let mut sim = load(&image(source, neurons), NetworkParams::default(), CycleCosts::default()).unwrap();
            sim.run(Time::from_ms(20.0), 1);
            let sent = program(&sim, 1).counters().spikes_sent;
            let c = *program(&sim, 2).counters();
            prop_assert_eq!(sim.totals().router.lost(), 0);
            prop_assert!(sent > 0);
            // Packets still in flight at the end of the run are the only difference.
            prop_assert!(c.packets_received <= sent && sent - c.packets_received <= u64::from(n_sources));
            prop_assert_eq!(c.spikes_received, c.spikes_processed + c.input_buffer_overflows);
            prop_assert_eq!(c.synaptic_events, u64::from(row_len) * c.spikes_processed);
        }
    }
}

#[test]
fn a_full_recording_region_is_counted_not_silently_truncated() {
    // Room for three ticks of one source's spike bitfield (8 bytes each): ticks 0-2 are recorded, the
    // other seven of a 10 ms run are counted as overflows; the spike at tick 5 is sent but not recorded.
    let source = CoreProgram::SpikeArray(SpikeArrayCoreImage {
        spike_ticks: vec![vec![1, 5]],
        key_base: Some(SOURCE_KEYS),
        n_colour_bits: 4,
        recording: Recording {
            spikes: true,
            buffer_bytes: Some(3 * Recording::spike_bytes(1)),
            ..Recording::default()
        },
    });
    let img = image(source, neuron_core(1, 1, 36 << 9, |_| vec![0]));
    let mut sim = load(&img, NetworkParams::default(), CycleCosts::default()).unwrap();
    sim.run(Time::from_ms(10.0), 1);
    let p = program(&sim, 1);
    assert_eq!(p.spikes(), &[(1, 0)]);
    assert_eq!(p.counters().recording_overflows, 7);
    assert_eq!(p.counters().spikes_sent, 2);
    // The neuron core has no limit: both its spikes are recorded.
    assert_eq!(program(&sim, 2).spikes(), &[(2, 0), (6, 0)]);
    assert_eq!(program(&sim, 2).counters().recording_overflows, 0);
}

/// Spike array (core 1, `sources` sources firing once, in tick 2, each with a 256-synapse row on core 2) -> 256
/// strongly driven neurons without refractory period (core 2, firing every tick) -> core 3, which hears only
/// the last 16 of them (the routing entry covers neurons 240-255), one synapse each.
fn preempted_image(sources: u16) -> MachineImage {
    use crate::image::fixtures::{layout, neuron_core_listening};
    use crate::runtime::fixed::Accum;
    use crate::runtime::neuron::NeuronArray;
    use crate::runtime::neuron::fixtures::lif_curr_exp;
    use crate::runtime::synapse_row::SynapticRow;
    let source = CoreProgram::SpikeArray(SpikeArrayCoreImage {
        spike_ticks: vec![vec![2]; usize::from(sources)],
        key_base: Some(SOURCE_KEYS),
        n_colour_bits: 4,
        recording: Recording::default(),
    });
    let mut busy = neuron_core(256, sources, 1, |_| (0..256).collect());
    let mut driven = lif_curr_exp(Accum::from_int(100));
    driven.lif.params.t_refract = 0;
    busy.neurons = NeuronArray::LifCurrExp(vec![driven; 256]);
    let rows: Vec<SynapticRow> = (0..256u16)
        .map(|i| SynapticRow::fixed(&[layout().encode(1, 1, 0, i).unwrap()]).unwrap())
        .collect();
    let mut img = image(source, busy);
    let listener = neuron_core_listening(256, &rows, 0x2_0000);
    img.chips[0].cores.push(crate::image::CoreImage {
        core: 3,
        program: CoreProgram::Neurons(listener),
    });
    img.chips[0].routing_table.push(RoutingEntry {
        key: 0x2_0000 + (240 << 4),
        mask: 0xFFFF_FF00,
        route: Route::default().with_core(3),
    });
    img
}

#[test]
fn spike_processing_that_preempts_the_update_delays_its_sends() {
    // 10 rows in tick 2 pre-empt core 2's update for ~45,000 cycles: its sends still leave within the tick.
    let mut sim = load(
        &preempted_image(10),
        NetworkParams::default(),
        CycleCosts::default(),
    )
    .unwrap();
    sim.run(Time::from_ms(10.0), 1);
    assert_eq!(program(&sim, 2).counters().timer_overruns, 0);
    assert_eq!(program(&sim, 3).counters().packets_received, 16 * 10);
    assert_eq!(program(&sim, 3).counters().synapses.late_spikes, 0);
    // 40 rows (~172,000 cycles) hold tick 2's update back so long that the sends of its last neurons leave
    // in tick 3, and core 3 sees those 16 one tick late. Sends placed as if the update ran uninterrupted would
    // all leave in tick 2; tick 3's update, queued behind, still sends within tick 3.
    let mut sim = load(
        &preempted_image(40),
        NetworkParams::default(),
        CycleCosts::default(),
    )
    .unwrap();
    sim.run(Time::from_ms(10.0), 1);
    let busy = program(&sim, 2).counters();
    assert_eq!((busy.timer_overruns, busy.input_buffer_overflows), (1, 0));
    let late = program(&sim, 3).counters().synapses.late_spikes;
    assert_eq!(late, 16);
}
