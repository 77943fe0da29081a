//! Interconnect simulation speed: packet-hops simulated per second on spinnaker-48 at low and at saturating
//! load, and one versus two host threads on spinnaker-48 and spinnaker-24b.
//!
//! `cargo bench --bench noc`. Criterion's "thrpt" is in packet-hops per second (elements = links crossed), of
//! the simulation alone: routes, tables and the report are built outside the timed part.

use std::sync::Arc;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use spinnaker_emu::Preset;
use spinnaker_emu::faults::Faults;
use spinnaker_emu::machine::{CoreModel, Machine};
use spinnaker_emu::noc::{Experiment, NocConfig, Pattern};
use spinnaker_emu::router::config::NetworkParams;
use spinnaker_emu::time::Time;

fn machine(preset: Preset) -> Arc<Machine> {
    Arc::new(Machine::new(preset, CoreModel::Realistic, &Faults::default()).expect("preset builds"))
}

fn config(rate: f64, duration_ms: f64, threads: usize) -> NocConfig {
    NocConfig {
        pattern: Pattern::Uniform,
        rate_per_core_per_ms: rate,
        duration: Time::from_ms(duration_ms),
        drain: Time::from_ms(duration_ms * 0.1),
        seed: 1,
        payload: false,
        threads,
    }
}

/// One benchmark of the simulation itself: building routes and tables and writing the report are set-up,
/// not timed. Throughput is set from a first run's packet-hop count.
fn bench(c: &mut Criterion, group: &str, id: BenchmarkId, m: &Arc<Machine>, cfg: NocConfig) {
    let prepare = || Experiment::new(m.clone(), NetworkParams::default(), &cfg).expect("builds");
    let hops = {
        let mut experiment = prepare();
        let wall_s = experiment
            .simulate()
            .expect("the bench load is below saturation");
        experiment.report(wall_s).packet_hops
    };
    let mut g = c.benchmark_group(group);
    g.sample_size(10);
    g.throughput(Throughput::Elements(hops));
    g.bench_function(id, |b| {
        b.iter_batched(
            prepare,
            |mut experiment| {
                experiment
                    .simulate()
                    .expect("the bench load is below saturation");
                experiment
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

fn load(c: &mut Criterion) {
    let m = machine(Preset::Spinn5);
    // Uniform traffic saturates spinnaker-48 between 200 and 300 packets/core/ms (`nmemu noc` sweep).
    bench(
        c,
        "noc-load",
        BenchmarkId::new("spinnaker-48", "low-10"),
        &m,
        config(10.0, 10.0, 1),
    );
    bench(
        c,
        "noc-load",
        BenchmarkId::new("spinnaker-48", "saturating-300"),
        &m,
        config(300.0, 1.0, 1),
    );
}

fn threads(c: &mut Criterion) {
    let board = machine(Preset::Spinn5);
    let torus = machine(Preset::Boards(24));
    for t in [1, 2] {
        bench(
            c,
            "noc-threads",
            BenchmarkId::new("spinnaker-48-rate100", t),
            &board,
            config(100.0, 2.0, t),
        );
        bench(
            c,
            "noc-threads",
            BenchmarkId::new("spinnaker-24b-rate10", t),
            &torus,
            config(10.0, 0.5, t),
        );
    }
}

criterion_group!(benches, load, threads);
criterion_main!(benches);
