//! Placement and routing speed on a problem the size of the full-scale cortical microcircuit (about 330
//! cores) on spinnaker-24b: Hilbert placement, simulated annealing at the default effort, NER routing of
//! every net, and the per-chip tables.
//!
//! `cargo bench --bench place_route`. Before timing, prints the annealer's cost before and after and the
//! single-run times, which are what the mapping report shows.

use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use nmemu_mapping::spinnaker::graph::{Graph, Net, VertexId};
use nmemu_mapping::spinnaker::place::annealing::{AnnealConfig, anneal};
use nmemu_mapping::spinnaker::place::hilbert::place_hilbert;
use nmemu_mapping::spinnaker::route::ner::route_nets;
use nmemu_mapping::spinnaker::route::tables::TableBuilder;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use spinnaker_emu::Preset;
use spinnaker_emu::faults::Faults;
use spinnaker_emu::machine::{CoreModel, Machine};

/// Populations of the microcircuit's 8 layers, sliced into cores with consecutive ids; every core sends
/// one net to all cores of 3 random target populations and its own, weighted by a random rate.
fn microcircuit_sized(seed: u64) -> Graph {
    const POPULATIONS: u32 = 8;
    const CORES_PER_POPULATION: u32 = 41;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut graph = Graph::with_vertices(POPULATIONS * CORES_PER_POPULATION);
    let cores_of =
        |p: u32| (p * CORES_PER_POPULATION..(p + 1) * CORES_PER_POPULATION).map(VertexId);
    let targets: Vec<Vec<u32>> = (0..POPULATIONS)
        .map(|p| {
            let mut t = vec![p];
            while t.len() < 4 {
                let q = rng.random_range(0..POPULATIONS);
                if !t.contains(&q) {
                    t.push(q);
                }
            }
            t
        })
        .collect();
    for v in 0..POPULATIONS * CORES_PER_POPULATION {
        let sinks = targets[(v / CORES_PER_POPULATION) as usize]
            .iter()
            .flat_map(|&p| cores_of(p))
            .collect();
        let weight = rng.random_range(1.0..10.0);
        graph
            .add_net(Net {
                source: VertexId(v),
                sinks,
                weight,
            })
            .expect("vertices exist");
    }
    graph
}

fn place_and_route(c: &mut Criterion) {
    let m = Machine::new(Preset::Boards(24), CoreModel::Realistic, &Faults::default())
        .expect("preset builds");
    let graph = microcircuit_sized(1);
    let config = AnnealConfig::default();

    let t = Instant::now();
    let start = place_hilbert(&m, &graph).expect("fits");
    let hilbert_time = t.elapsed();
    let t = Instant::now();
    let (placed, report) = anneal(&m, &graph, &start, &config).expect("anneals");
    let anneal_time = t.elapsed();
    let t = Instant::now();
    let trees = route_nets(&m, &graph, &placed).expect("routes");
    let route_time = t.elapsed();
    let hops = |trees: &[nmemu_mapping::spinnaker::route::ner::RoutingTree]| {
        trees.iter().map(|t| t.hops()).sum::<usize>()
    };
    let hilbert_hops = hops(&route_nets(&m, &graph, &start).expect("routes"));
    let mut tables = TableBuilder::new();
    for (key, tree) in trees.iter().enumerate() {
        tables
            .add(tree, (key as u32) << 8, 0xffff_ff00)
            .expect("distinct keys");
    }
    let tables = tables.finish();
    let entries: usize = tables.values().map(Vec::len).sum();
    let kept: usize = tables.values().flatten().filter(|e| !e.defaultable).count();
    eprintln!(
        "{} vertices, {} nets on {}: hilbert {hilbert_time:.2?}; anneal (effort {}) {anneal_time:.2?}, cost {:.0} -> \
         {:.0}, {} temperatures, {} moves; NER {route_time:.2?}, {} link hops (hilbert placement: {hilbert_hops}); \
         {entries} entries on {} chips, {kept} not defaultable",
        graph.n_vertices(),
        graph.nets().len(),
        m.preset(),
        config.effort,
        report.initial_cost,
        report.final_cost,
        report.temperatures,
        report.moves,
        hops(&trees),
        tables.len(),
    );

    let mut g = c.benchmark_group("place-route-spinnaker-24b");
    g.sample_size(10);
    g.bench_function("hilbert", |b| {
        b.iter(|| place_hilbert(&m, &graph).expect("fits"))
    });
    g.bench_function("anneal", |b| {
        b.iter(|| anneal(&m, &graph, &start, &config).expect("anneals"))
    });
    g.bench_function("ner", |b| {
        b.iter(|| route_nets(&m, &graph, &placed).expect("routes"))
    });
    g.finish();
}

criterion_group!(benches, place_and_route);
criterion_main!(benches);
