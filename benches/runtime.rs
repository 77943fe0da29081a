//! Neural-runtime kernels on the host: neuron updates per second per model (256 neurons, one core's worth),
//! static synaptic events per second (rows of 256 fixed synapses into the ring buffers) and STDP plastic-synapse
//! updates per second (full rows of 254 plastic synapses against 256 neurons' post-synaptic histories).
//!
//! `cargo bench --bench runtime`. Criterion's "thrpt" is in neuron updates or synaptic events per second.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use spinnaker_emu::runtime::fixed::{Accum, Rounding};
use spinnaker_emu::runtime::neuron::cond::{CondConfig, LifCondExp};
use spinnaker_emu::runtime::neuron::izhikevich::{IzhConfig, IzhCurrExp};
use spinnaker_emu::runtime::neuron::lif::{LifConfig, LifCurrAlpha, LifCurrExp};
use spinnaker_emu::runtime::neuron::{NeuronArray, Receptor};
use spinnaker_emu::runtime::ring_buffer::RingBuffers;
use spinnaker_emu::runtime::stdp::{
    PlasticRowMut, PostHistory, PynnWeightDependence, SpikePairRule, StdpConfig, StdpCounters,
    WeightRule, process_row,
};
use spinnaker_emu::runtime::synapse_row::{FixedSynapse, SynapticRow, SynapticWordLayout};

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
            NeuronArray::LifCurrExp(vec![LifCurrExp::from_pynn(&lif, 1.0); NEURONS]),
        ),
        (
            "IF_curr_alpha",
            NeuronArray::LifCurrAlpha(vec![LifCurrAlpha::from_pynn(&lif, 1.0); NEURONS]),
        ),
        (
            "IF_cond_exp",
            NeuronArray::LifCondExp(vec![
                LifCondExp::from_pynn(&lif, &CondConfig::default(), 1.0);
                NEURONS
            ]),
        ),
        (
            "Izhikevich",
            NeuronArray::IzhCurrExp(vec![
                IzhCurrExp::from_pynn(&IzhConfig::default(), 1.0);
                NEURONS
            ]),
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
    let config = StdpConfig::from_pynn(
        &SpikePairRule::default(),
        &PynnWeightDependence {
            rule: WeightRule::Additive,
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

criterion_group!(
    benches,
    neuron_updates,
    synaptic_events,
    plastic_synapse_updates
);
criterion_main!(benches);
