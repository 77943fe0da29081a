//! Neural-runtime kernels on the host: neuron updates per second per model (256 neurons, one core's worth),
//! static synaptic events per second (rows of 256 fixed synapses into the ring buffers), STDP plastic-synapse
//! updates per second (full rows of 254 plastic synapses against 256 neurons' post-synaptic histories), and
//! the whole per-spike pipeline through the emulator (source core -> router -> FIQ and input buffer ->
//! master-population-table search -> DMA on the chip's SDRAM -> row into the ring buffers, with every cycle
//! charged), in synaptic events per second.
//!
//! `cargo bench --bench runtime`. Criterion's "thrpt" is in neuron updates or synaptic events per second.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nmemu_loader::format::{TimingDependence, WeightDependence};
use nmemu_mapping::spinnaker::cells::{
    CondConfig, IzhConfig, LifConfig, izh_curr_exp, lif_cond_exp, lif_curr_alpha, lif_curr_exp,
};
use nmemu_mapping::spinnaker::stdp_rule::stdp_config;
use spinnaker_emu::geometry::ChipCoord;
use spinnaker_emu::image::{
    CoreProgram, MachineImage, NeuronCoreImage, Recording, SpikeArrayCoreImage,
};
use spinnaker_emu::router::config::NetworkParams;
use spinnaker_emu::router::table::{Route, RoutingEntry};
use spinnaker_emu::runtime::cycles::CycleCosts;
use spinnaker_emu::runtime::fixed::{Accum, Rounding};
use spinnaker_emu::runtime::master_pop_table::{MasterPopTable, PopSource};
use spinnaker_emu::runtime::neuron::{NeuronArray, Receptor};
use spinnaker_emu::runtime::program::load;
use spinnaker_emu::runtime::ring_buffer::RingBuffers;
use spinnaker_emu::runtime::stdp::{PlasticRowMut, PostHistory, StdpCounters, process_row};
use spinnaker_emu::runtime::synapse_row::{
    FixedSynapse, SynapticMatrix, SynapticRegion, SynapticRow, SynapticWordLayout,
};
use spinnaker_emu::time::Time;

const NEURONS: usize = 256;
/// Plastic synapses per row in the STDP bench.
const PLASTIC_ROW: u64 = 254;

fn neuron_updates(c: &mut Criterion) {
    // Driven so that they spike now and then: i_offset well above rheobase.
    let lif = LifConfig {
        i_offset: 1.0,
        ..LifConfig::default()
    };
    let arrays = [
        (
            "IF_curr_exp",
            NeuronArray::LifCurrExp(vec![lif_curr_exp(&lif, 1.0); NEURONS]),
        ),
        (
            "IF_curr_alpha",
            NeuronArray::LifCurrAlpha(vec![lif_curr_alpha(&lif, 1.0); NEURONS]),
        ),
        (
            "IF_cond_exp",
            NeuronArray::LifCondExp(vec![
                lif_cond_exp(&lif, &CondConfig::default(), 1.0);
                NEURONS
            ]),
        ),
        (
            "Izhikevich",
            NeuronArray::IzhCurrExp(vec![izh_curr_exp(&IzhConfig::default(), 1.0); NEURONS]),
        ),
    ];
    let mut g = c.benchmark_group("neuron-updates");
    g.throughput(Throughput::Elements(NEURONS as u64));
    for (name, mut neurons) in arrays {
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut spikes = 0u32;
                for i in 0..NEURONS {
                    neurons
                        .neuron_mut(i)
                        .transfer(Receptor::Excitatory, Accum::from_f64(0.01));
                }
                neurons.update_all(Rounding::Truncate, |_, _, spiked| {
                    spikes += u32::from(spiked)
                });
                spikes
            })
        });
    }
    g.finish();
}

fn synaptic_events(c: &mut Criterion) {
    let layout = SynapticWordLayout::for_core(256, 2, 16).unwrap();
    let words: Vec<u32> = (0..256u16)
        .map(|t| layout.encode(3, 1 + t % 15, (t % 2) as u8, t).unwrap())
        .collect();
    let row = SynapticRow::fixed(&words).unwrap();
    let mut ring = RingBuffers::new(layout, 2).unwrap();
    let mut g = c.benchmark_group("synaptic-events");
    g.throughput(Throughput::Elements(256 * 64));
    g.bench_function("static-rows-256", |b| {
        let mut time = 0u32;
        b.iter(|| {
            // 64 spikes per tick, each a row of 256 fixed synapses, then the tick's transfer.
            for spike in 0..64u32 {
                let arrival = ring.begin_row(time, spike & 15, 4);
                for synapse in row.view().fixed_synapses(layout) {
                    ring.add_synapse(&arrival, synapse);
                }
            }
            time += 1;
            ring.transfer(time).count()
        })
    });
    g.finish();
}

fn plastic_synapse_updates(c: &mut Criterion) {
    let layout = SynapticWordLayout::for_core(256, 2, 16).unwrap();
    let config = stdp_config(
        &TimingDependence::SpikePairRule {
            tau_plus: 20.0,
            tau_minus: 20.0,
            a_plus: 0.01,
            a_minus: 0.01,
        },
        &WeightDependence::AdditiveWeightDependence {
            w_min: 0.0,
            w_max: 1.0,
        },
        1.0,
        2,
        1.0,
    )
    .unwrap();
    // 254 is the most a row holds: 2 history words + 127 weight words + 127 control words = 256 words.
    let synapses: Vec<FixedSynapse> = (0..PLASTIC_ROW as u16)
        .map(|t| FixedSynapse {
            weight: 1000,
            delay: 1 + t % 15,
            synapse_type: (t % 2) as u8,
            index: t,
        })
        .collect();
    let row = SynapticRow::plastic(layout, &synapses, &[]).unwrap();
    // 16 source neurons' rows, 4 fetched per tick in rotation: each row's window spans 4 ticks.
    let mut rows: Vec<Vec<u32>> = vec![row.row_words().to_vec(); 16];
    let mut post = vec![PostHistory::default(); 256];
    let mut ring = RingBuffers::new(layout, 2).unwrap();
    let mut counters = StdpCounters::default();
    let mut g = c.benchmark_group("stdp");
    g.throughput(Throughput::Elements(PLASTIC_ROW * 4));
    g.bench_function("plastic-rows-254", |b| {
        let mut time = 0u32;
        b.iter(|| {
            // One neuron in 16 fires per tick (~60 Hz at 1 ms), so histories stay full and a 4-tick window
            // holds a post spike for a quarter of the synapses.
            for (i, history) in post.iter_mut().enumerate() {
                if (time as usize + i).is_multiple_of(16) {
                    history.add_spike(time, &config.timing);
                }
            }
            let first = 4 * (time as usize % 4);
            let mut applied = 0;
            for words in &mut rows[first..first + 4] {
                let arrival = ring.begin_row(time, time & 15, 4);
                let mut row = PlasticRowMut::parse(words).unwrap();
                applied += process_row(
                    &config,
                    &mut row,
                    &post,
                    &[6, 6],
                    &mut ring,
                    &arrival,
                    &mut counters,
                )
                .post_events;
            }
            time += 1;
            applied + ring.transfer(time).count() as u64
        })
    });
    g.finish();
}

/// Sources firing every tick in the pipeline bench: 24 rows of 256 synapses a tick (about 4,300 cycles each)
/// plus the update of 256 neurons keep a neuron core at about 85% of its 200,000-cycle tick: no overrun.
const PIPELINE_SOURCES: u16 = 24;
const PIPELINE_TICKS: u32 = 100;

/// A spike-array core whose sources all fire every tick, and a neuron core of 256 LIF neurons on the same chip
/// with a row of 256 synapses per source.
fn pipeline_image() -> MachineImage {
    let layout = SynapticWordLayout::for_core(256, 2, 16).unwrap();
    let rows: Vec<SynapticRow> = (0..PIPELINE_SOURCES)
        .map(|s| {
            let words: Vec<u32> = (0..256u16)
                .map(|t| {
                    layout
                        .encode(1, 1 + (s + t) % 15, (t % 2) as u8, t)
                        .unwrap()
                })
                .collect();
            SynapticRow::fixed(&words).unwrap()
        })
        .collect();
    let mut region = SynapticRegion::new();
    let item = region.push(&SynapticMatrix::new(&rows).unwrap()).unwrap();
    let master_pop_table = MasterPopTable::build(vec![PopSource {
        key: 0x1_0000,
        mask: 0xFFFF_0000,
        n_colour_bits: 4,
        core_mask: 0,
        mask_shift: 0,
        n_neurons: PIPELINE_SOURCES,
        n_words: PIPELINE_SOURCES.div_ceil(32),
        items: vec![item],
        bit_field: None,
    }])
    .unwrap();
    let neurons = NeuronCoreImage {
        neurons: NeuronArray::LifCurrExp(vec![lif_curr_exp(&LifConfig::default(), 1.0); NEURONS]),
        key_base: None,
        n_colour_bits: 4,
        master_pop_table,
        synaptic_region: region,
        word_layout: layout,
        weight_shifts: vec![6, 6],
        incoming_spike_buffer: 256,
        recording: Recording::default(),
        stdp: None,
    };
    let source = SpikeArrayCoreImage {
        spike_ticks: vec![(0..PIPELINE_TICKS).collect(); usize::from(PIPELINE_SOURCES)],
        key_base: Some(0x1_0000),
        n_colour_bits: 4,
        recording: Recording::default(),
    };
    MachineImage::one_chip(
        "spinnaker-48",
        ChipCoord::new(1, 1),
        vec![RoutingEntry {
            key: 0x1_0000,
            mask: 0xFFFF_0000,
            route: Route::default().with_core(2),
        }],
        vec![
            (1, CoreProgram::SpikeArray(source)),
            (2, CoreProgram::Neurons(neurons)),
        ],
    )
}

fn spike_pipeline(c: &mut Criterion) {
    let image = pipeline_image();
    let events = u64::from(PIPELINE_SOURCES) * 256 * u64::from(PIPELINE_TICKS);
    let mut g = c.benchmark_group("spike-pipeline");
    g.throughput(Throughput::Elements(events));
    g.sample_size(20);
    g.bench_function("rows-256-through-the-emulator", |b| {
        b.iter(|| {
            let mut sim = load(&image, NetworkParams::default(), CycleCosts::default()).unwrap();
            sim.run(Time::from_ms(f64::from(PIPELINE_TICKS) + 1.0), 1);
            let program = sim.chips()
                [sim.machine().chip_index(ChipCoord::new(1, 1)).unwrap() as usize]
                .app
                .cores[2]
                .as_ref()
                .unwrap();
            let counters = program.counters();
            assert_eq!(counters.synaptic_events, events, "every spike processed");
            assert_eq!(counters.timer_overruns, 0);
            counters.synaptic_events
        })
    });
    g.finish();
}

criterion_group!(
    benches,
    neuron_updates,
    synaptic_events,
    plastic_synapse_updates,
    spike_pipeline
);
criterion_main!(benches);
