//! Neural-runtime kernels on the host: neuron updates per second per model (256 neurons, one core's worth)
//! and static synaptic events per second (rows of 256 fixed synapses into the ring buffers).
//!
//! `cargo bench --bench runtime`. Criterion's "thrpt" is in neuron updates or synaptic events per second.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use spinnaker_emu::runtime::fixed::{Accum, Rounding};
use spinnaker_emu::runtime::neuron::cond::{CondConfig, LifCondExp};
use spinnaker_emu::runtime::neuron::izhikevich::{IzhConfig, IzhCurrExp};
use spinnaker_emu::runtime::neuron::lif::{LifConfig, LifCurrExp};
use spinnaker_emu::runtime::neuron::{NeuronArray, Receptor};
use spinnaker_emu::runtime::ring_buffer::RingBuffers;
use spinnaker_emu::runtime::synapse_row::{SynapticRow, SynapticWordLayout};

const NEURONS: usize = 256;

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

criterion_group!(benches, neuron_updates, synaptic_events);
criterion_main!(benches);
