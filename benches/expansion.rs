//! Connector expansion throughput: synapses expanded per second, on the bundled examples.
//!
//! `cargo bench --bench expansion`. Criterion reports "thrpt" in elements/s: each element is one synapse.

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nmemu_loader::{Limits, Network, expand};

fn load(example: &str) -> Network {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(example);
    Network::load(&path, &Limits::default()).expect("bundled example loads")
}

fn expand_all(net: &Network) -> u64 {
    (0..net.projections.len())
        .map(|i| expand(net, i).expect("expands").len())
        .sum()
}

fn expansion(c: &mut Criterion) {
    let mut group = c.benchmark_group("expansion");
    group.sample_size(10);
    for example in ["va_cuba.json", "microcircuit_0.1.json"] {
        let net = load(example);
        group.throughput(Throughput::Elements(expand_all(&net)));
        group.bench_function(example, |b| b.iter(|| expand_all(&net)));
    }
    group.finish();
}

criterion_group!(benches, expansion);
criterion_main!(benches);
