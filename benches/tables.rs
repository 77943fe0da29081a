//! Routing-table minimisation time on PACMAN's `many_to_one` unit-test tables (576 chips, 15,245 entries,
//! the largest 1,650): ordered covering and pair, on the whole file (parallel over chips) and on the
//! largest table alone (the critical path of the parallel run). rig's Python ordered covering takes about
//! 4 s for the whole file.
//!
//! `cargo bench --bench tables`.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use nmemu_mapping::spinnaker::tables::{Algorithm, ChipTable, minimise, minimise_all, read_tables};

fn many_to_one() -> Vec<ChipTable> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/routing-tables/many_to_one.json.gz");
    read_tables(&path).expect("the bundled tables read")
}

fn tables(c: &mut Criterion) {
    let all = many_to_one();
    let largest = all
        .iter()
        .max_by_key(|t| t.entries.len())
        .expect("576 tables")
        .clone();
    let mut group = c.benchmark_group("tables");
    group.sample_size(10);
    for algorithm in [Algorithm::OrderedCovering, Algorithm::Pair] {
        group.bench_function(format!("{algorithm}/many_to_one"), |b| {
            b.iter(|| minimise_all(black_box(&all), algorithm, None))
        });
        group.bench_function(format!("{algorithm}/largest_1650"), |b| {
            b.iter(|| minimise(black_box(&largest.entries), algorithm, None))
        });
    }
    group.finish();
}

criterion_group!(benches, tables);
criterion_main!(benches);
