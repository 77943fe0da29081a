//! A delay-extension core between a source core and a neuron core: each stage re-sends what the source sent
//! whole stages earlier, with the stage's keys, only for the neurons in the stage's mask, and every spike is
//! accounted for.

use super::tests::program;
use super::*;
use crate::geometry::ChipCoord;
use crate::image::fixtures::{SOURCE_KEYS, layout, neuron_core_listening};
use crate::image::{DelayExtensionCoreImage, Recording, SpikeArrayCoreImage};
use crate::router::table::{Route, RoutingEntry};
use crate::runtime::synapse_row::SynapticRow;

const DELAYED_KEYS: u32 = 0x3_0000;

/// Spike array (core 1) -> delay extension (core 2) -> neuron core (core 3), on chip (2, 2). Delay neuron r
/// (stage r / 2 of source neuron r % 2) drives neuron r of core 3 over a one-tick synapse strong enough to fire
/// it at once.
fn delayed_image(spike_ticks: Vec<Vec<u32>>, stage_masks: Vec<Vec<u32>>) -> MachineImage {
    let n_stages = stage_masks.len() as u32;
    let rows: Vec<SynapticRow> = (0..2 * n_stages as u16)
        .map(|r| SynapticRow::fixed(&[layout().encode(36 << 9, 1, 0, r).unwrap()]).unwrap())
        .collect();
    let neurons = neuron_core_listening(rows.len(), &rows, DELAYED_KEYS);
    let entry = |key, core| RoutingEntry {
        key,
        mask: 0xFFFF_0000,
        route: Route::default().with_core(core),
    };
    let cores = vec![
        CoreProgram::SpikeArray(SpikeArrayCoreImage {
            spike_ticks,
            key_base: Some(SOURCE_KEYS),
            n_colour_bits: 4,
            recording: Recording::default(),
        }),
        CoreProgram::DelayExtension(DelayExtensionCoreImage {
            source_key: SOURCE_KEYS,
            source_mask: 0xFFFF_0000,
            n_neurons: 2,
            delay_per_stage: 4,
            n_stages,
            key_base: Some(DELAYED_KEYS),
            n_colour_bits: 4,
            stage_masks,
        }),
        CoreProgram::Neurons(neurons),
    ];
    MachineImage::one_chip(
        "spinnaker-48",
        ChipCoord::new(2, 2),
        vec![entry(SOURCE_KEYS, 2), entry(DELAYED_KEYS, 3)],
        (1..).zip(cores).collect(),
    )
}

#[test]
fn each_stage_resends_whole_stages_later_for_the_neurons_in_its_mask() {
    // Source neuron 0 fires at tick 1 and twice at tick 3 (one packet, payload 2); neuron 1 at tick 2.
    // Stage 0 sends both neurons, stage 1 only neuron 0, stage 2 nobody.
    let img = delayed_image(
        vec![vec![1, 3, 3], vec![2]],
        vec![vec![0b11], vec![0b01], vec![0]],
    );
    let mut sim = load(&img, NetworkParams::default(), CycleCosts::default()).unwrap();
    sim.run(Time::from_ms(20.0), 1);
    // Stage d of a spike of tick t leaves in tick t + 4 (d + 1) as delay neuron 2d + n, which fires neuron
    // 2d + n of core 3 one tick later.
    assert_eq!(
        program(&sim, 3).spikes(),
        &[(6, 0), (7, 1), (8, 0), (10, 2), (12, 2)]
    );
    let c = program(&sim, 2).counters();
    assert_eq!((c.packets_received, c.spikes_received), (3, 4));
    // Stage 0: 1 + 1 + 2 spikes, stage 1: 1 + 2 (the payload counts).
    assert_eq!(c.spikes_sent, 7);
    assert_eq!(program(&sim, 3).counters().packets_received, 5);
    let Program::DelayExtension(d) = program(&sim, 2) else {
        unreachable!()
    };
    assert_eq!(d.delay.added, 4);
    assert_eq!((d.delay.saturations, d.delay.invalid_keys), (0, 0));
    let named = program(&sim, 2).named_counters();
    assert!(named.contains(&("Number_of_packets_added", 4)));
    assert!(named.contains(&("Sent_spikes", 7)));
    assert!(!named.iter().any(|(name, _)| *name == "DMAs"));
}

#[test]
fn counters_are_cleared_once_every_stage_has_read_them() {
    // One stage of 4 ticks: 5 slots rounded up to 8. A spike every tick for 30 ticks is re-sent exactly once
    // each, 4 ticks later: a stale count would send it again when the slot comes round.
    let ticks: Vec<u32> = (0..30).collect();
    let img = delayed_image(vec![ticks, vec![]], vec![vec![0b01]]);
    let mut sim = load(&img, NetworkParams::default(), CycleCosts::default()).unwrap();
    sim.run(Time::from_ms(40.0), 1);
    assert_eq!(program(&sim, 2).counters().spikes_sent, 30);
    assert_eq!(program(&sim, 3).counters().packets_received, 30);
    // The first re-sent spike fires neuron 0 in tick 5 (sent in tick 4, one-tick synapse).
    assert_eq!(program(&sim, 3).spikes().first(), Some(&(5, 0)));
}

#[test]
fn an_image_with_bad_sizes_is_refused_naming_the_core() {
    let mut img = delayed_image(vec![vec![1], vec![]], vec![vec![1]]);
    let CoreProgram::DelayExtension(d) = &mut img.chips[0].cores[1].program else {
        unreachable!()
    };
    d.n_stages = 9;
    let Err(e) = load(&img, NetworkParams::default(), CycleCosts::default()) else {
        panic!("nine stages accepted")
    };
    assert!(
        e.contains("chip (2, 2) core 2") && e.contains("n_stages"),
        "{e}"
    );
}
