//! End to end on SpiNNaker: mapping time (VA CUBA on a SpiNN-5 board; the 0.1-scale cortical microcircuit at
//! a time scale factor of 10) and the run phase of VA CUBA, 1 s of biological time at dt 1 ms, with every
//! router hop and core cycle modelled (one kernel thread, the default of `nmemu run`).
//!
//! `cargo bench --bench run`. Compare with NEST on the same network with `bench/compare_nest.sh`.

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use nmemu_loader::{Limits, Network};
use nmemu_mapping::spinnaker::{SpinnakerOptions, map};
use spinnaker_emu::faults::Faults;
use spinnaker_emu::image::MachineDescription;
use spinnaker_emu::router::config::NetworkParams;
use spinnaker_emu::runtime::cycles::CycleCosts;
use spinnaker_emu::runtime::program;
use spinnaker_emu::time::Time;

fn network(path: &str) -> Network {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    Network::load(&path, &Limits::default()).expect("bundled example loads")
}

fn options(preset: &str, seed: u64, time_scale_factor: u32) -> SpinnakerOptions {
    let machine = MachineDescription {
        preset: preset.to_string(),
        ideal_cores: false,
        faults: Faults::default(),
    };
    SpinnakerOptions {
        time_scale_factor,
        ..SpinnakerOptions::new(machine, seed)
    }
}

fn mapping(c: &mut Criterion) {
    let mut group = c.benchmark_group("map");
    group.sample_size(10);
    let va = network("examples/va_cuba.json");
    group.bench_function("va_cuba/spinnaker-48", |b| {
        b.iter(|| map(&va, &options("spinnaker-48", 98765, 1)).unwrap())
    });
    let mc = network("examples/microcircuit_0.1.json");
    group.bench_function("microcircuit_0.1/spinnaker-48/tsf10", |b| {
        b.iter(|| map(&mc, &options("spinnaker-48", 1, 10)).unwrap())
    });
    group.finish();
}

fn running(c: &mut Criterion) {
    let va = network("examples/va_cuba.json");
    let mapped = map(&va, &options("spinnaker-48", 98765, 1)).unwrap();
    let mut group = c.benchmark_group("run");
    group.sample_size(10);
    group.bench_function("va_cuba/1s/spinnaker-48", |b| {
        b.iter(|| {
            let mut sim = program::load(
                &mapped.image,
                NetworkParams::default(),
                CycleCosts::default(),
            )
            .unwrap();
            sim.run(Time::from_ms(1000.0), 1);
            sim
        })
    });
    group.finish();
}

criterion_group!(benches, mapping, running);
criterion_main!(benches);
