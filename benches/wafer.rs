//! The BrainScaleS-1 wafer emulator (issue 15, "Speed and scale"):
//! - `denmem_updates`: one logical neuron of 4 denmems integrating conductance input (an excitatory event
//!   every 100 ns of hardware time). Throughput in denmem updates, one update being one denmem advanced by
//!   10 ns of hardware time: NEST's 0.1 ms step at the nominal speed-up 10^4.
//! - `l1_events`: 128 fast-firing neurons on one HICANN, its 8 sending repeaters each fanned out to a
//!   driver on the west neighbour with two full rows. Throughput in events delivered to drivers (output
//!   path, bus gate, fan-out, driver, row scans, conductance jumps).
//! - `full_wafer`: all 384 HICANNs, 128 neurons of 4 denmems each, Poisson background through Layer 2 and
//!   recurrent Layer-1 traffic at ~10 Hz (14 Hz per input source, 7.6 Hz out), speed-up 10^4, 0.1 s
//!   biological after the 20 us start offset, on 1 and 2 threads. Biological seconds per wall second = 0.1 s / time per iteration.
//! - `wafer_system`: two wafers of 8 HICANNs each (the recurrent network of `full_wafer` at its test size,
//!   two traced membranes per reticle), each recording its first HICANN's neurons into the other's input
//!   through Layer-2 routes, 120 us of hardware time (60 lock-step segments) on 1 and 2 threads.
//!
//! `cargo bench --bench wafer`; the load is outside the measured time.

use brainscales_emu::Preset;
use brainscales_emu::coord::{HicannOnWafer, NeuronOnHicann, SynapticInput};
use brainscales_emu::defects::Defects;
use brainscales_emu::image::{TraceRequest, WaferImage};
use brainscales_emu::neuron::{DenmemParameters, LogicalNeuron};
use brainscales_emu::synapse::RowInputs;
use brainscales_emu::system::{System, SystemImage};
use brainscales_emu::time::HwTime;
use brainscales_emu::time::SpeedUp;
use brainscales_emu::wafer::Wafer;
use brainscales_emu::wafer::build::{self, Recurrent, cross_routes, recurrent_network};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use std::time::Duration;

/// 0.1 s biological at 10^4 after the 20 us start offset.
const FULL_WAFER_UNTIL_NS: u64 = 20_000 + 10_000;

fn denmem_updates(c: &mut Criterion) {
    let d = |x, y| NeuronOnHicann::new(x, y).unwrap();
    let p = DenmemParameters::default();
    let members: Vec<_> = [d(0, 0), d(0, 1), d(1, 0), d(1, 1)]
        .into_iter()
        .map(|n| (n, p))
        .collect();
    let events = 100u64;
    let mut g = c.benchmark_group("wafer");
    g.throughput(Throughput::Elements(4 * events * 100 / 10));
    g.bench_function("denmem_updates", |b| {
        b.iter_batched(
            || LogicalNeuron::new(&members, d(0, 0), 0.5).unwrap(),
            |mut n| {
                let ch = n.channel(d(1, 0), SynapticInput::Excitatory).unwrap();
                for k in 1..=events {
                    while n.advance(HwTime::from_ns(100 * k)).is_some() {}
                    n.add_conductance(ch, 0.4e-6);
                }
                n
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn full_wafer_image(
    hicanns: &[HicannOnWafer],
    neurons: usize,
) -> brainscales_emu::image::WaferImage {
    recurrent_network(
        hicanns,
        Recurrent {
            neurons,
            input_rate_bio_hz: 14.0,
            input_weight: 10,
            recurrent_weight: 2,
            duration: HwTime::from_ns(10_000),
            seed: 1,
        },
    )
}

/// 128 neurons on one HICANN driven to fire at ~2.7 M spikes/s each (hardware), every sending repeater
/// routed to one driver on the west neighbour, whose two rows decode the senders' addresses on every
/// column; the neighbour has no neurons, so the run is the output path, buses and synapse delivery.
fn l1_image() -> (WaferImage, HicannOnWafer) {
    let (sender, receiver) = (
        HicannOnWafer::new(18, 7).unwrap(),
        HicannOnWafer::new(17, 7).unwrap(),
    );
    let mut image = WaferImage::new(SpeedUp::Normal, 1);
    let h = build::hicann_mut(&mut image, sender);
    build::populate(h, 128, 2, DenmemParameters::default());
    for (k, n) in h.neurons.iter_mut().enumerate() {
        for (_, p) in &mut n.denmems {
            p.stimulus_ampere = 2e-6 * (1.0 + 0.001 * k as f64);
        }
    }
    let sources: Vec<u8> = (0..14).map(build::neuron_address).collect();
    for repeater in 0..8 {
        let driver = build::route(&mut image, sender, repeater, receiver).unwrap();
        let r = build::hicann_mut(&mut image, receiver);
        for row in 0..2 {
            let inputs = [&sources[..], &sources[..]];
            build::fill_row(r, driver, row, RowInputs::Excitatory, inputs, 3, row as u64);
        }
    }
    (image, receiver)
}

fn l1_events(c: &mut Criterion) {
    let (image, receiver) = l1_image();
    let until = HwTime::from_ns(100_000);
    let delivered = {
        let mut w = Wafer::load(image.clone(), &Defects::default()).unwrap();
        let run = w.run(until, 1);
        let r = run
            .counters
            .hicanns
            .iter()
            .find(|h| h.hicann == receiver)
            .unwrap();
        r.synapses.events_in
    };
    let mut g = c.benchmark_group("wafer");
    g.throughput(Throughput::Elements(delivered));
    g.bench_function("l1_events", |b| {
        b.iter_batched(
            || Wafer::load(image.clone(), &Defects::default()).unwrap(),
            |mut w| w.run(until, 1),
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

fn full_wafer(c: &mut Criterion) {
    let all: Vec<_> = HicannOnWafer::all().collect();
    let image = full_wafer_image(&all, 128);
    let until = HwTime::from_ns(FULL_WAFER_UNTIL_NS);
    let mut g = c.benchmark_group("wafer_full");
    g.sample_size(10);
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(10));
    for threads in [1, 2] {
        g.bench_function(format!("threads_{threads}"), |b| {
            b.iter_batched(
                || Wafer::load(image.clone(), &Defects::default()).unwrap(),
                |mut w| w.run(until, threads),
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

/// Two wafers of 8 HICANNs in one row, each tracing two membranes per reticle and recording its
/// first HICANN's 14 neuron addresses into input channel 4 of the other's second HICANN.
fn system_image() -> SystemImage {
    let hicanns: Vec<_> = (14..22)
        .map(|x| HicannOnWafer::new(x, 7).unwrap())
        .collect();
    let wafer = |seed| {
        let mut image = recurrent_network(
            &hicanns,
            Recurrent {
                duration: HwTime::from_ns(120_000),
                ..Recurrent::small(seed)
            },
        );
        // Two analog outputs per reticle: its first two HICANNs of the list.
        let mut traces: Vec<TraceRequest> = Vec::new();
        for h in &image.hicanns {
            let on_reticle = |t: &&TraceRequest| t.hicann.reticle() == h.hicann.reticle();
            if traces.iter().filter(on_reticle).count() < 2 {
                traces.push(TraceRequest {
                    hicann: h.hicann,
                    denmem: h.neurons[0].firing,
                });
            }
        }
        image.traces = traces;
        image
    };
    let l2_routes = cross_routes(hicanns[0], hicanns[1]);
    SystemImage {
        wafers: vec![wafer(7), wafer(8)],
        l2_routes,
    }
}

fn system(c: &mut Criterion) {
    let image = system_image();
    let preset = Preset::parse("brainscales-2-wafers").unwrap();
    let defects = vec![Defects::default(); 2];
    let until = HwTime::from_ns(120_000);
    let mut g = c.benchmark_group("wafer_system");
    g.sample_size(10);
    for threads in [1, 2] {
        g.bench_function(format!("threads_{threads}"), |b| {
            b.iter_batched(
                || System::load(image.clone(), preset, &defects).unwrap(),
                |mut s| s.run(until, threads),
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = denmem_updates, l1_events, full_wafer, system
}
criterion_main!(benches);
