//! Multicast lookup throughput: the compiled decision tree against the naive first-match scan, on
//! a full (1,023-entry) PACMAN-like table, plus what compiling the table costs.
//!
//! `cargo bench --bench router_lookup`. Criterion reports "thrpt" in elements/s: each element is
//! one lookup. The probe mix is 3/4 hits (any key inside an entry's key space) and 1/4 misses
//! (keys of applications the table does not route, which real routers default-route).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use spinnaker_emu::router::lookup::FastTable;
use spinnaker_emu::router::table::{Route, RoutingEntry, RoutingTable};

/// Lookups per iteration.
const PROBES: usize = 4096;

/// splitmix64: deterministic tables without a dependency on `rand`.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) as u32
    }
}

/// Keys `application << 16 | core << 11 | neuron` (spec §4.3): most entries route one core's
/// keys (mask 0xFFFFF800), some a whole application (0xFFFF0000), some are merged entries with
/// don't-care core bits, as routing-table compression leaves them. Applications are drawn from
/// the even numbers below 4096, so odd ones give misses.
fn realistic_table(rng: &mut Rng) -> RoutingTable {
    let entries = (0..RoutingTable::APPLICATION_ENTRIES)
        .map(|_| {
            let app = (rng.next() % 2048) * 2;
            let core = rng.next() % 32;
            let mask = match rng.next() % 20 {
                0..=16 => 0xFFFF_F800,
                17 | 18 => 0xFFFF_0000,
                _ => 0xFFFF_F800 & !(1 << (11 + rng.next() % 5)),
            };
            let route = Route(rng.next() & 0xFF_FFFF);
            RoutingEntry {
                key: (app << 16 | core << 11) & mask,
                mask,
                route,
            }
        })
        .collect();
    RoutingTable::new(entries).expect("1,023 entries fit")
}

/// Random keys and masks: the worst case for the compiled form, which stops at its space budget.
fn random_mask_table(rng: &mut Rng) -> RoutingTable {
    let entries = (0..RoutingTable::APPLICATION_ENTRIES)
        .map(|_| {
            let mask = rng.next();
            RoutingEntry {
                key: rng.next() & mask,
                mask,
                route: Route(rng.next() & 0xFF_FFFF),
            }
        })
        .collect();
    RoutingTable::new(entries).expect("1,023 entries fit")
}

fn probe_keys(table: &RoutingTable, rng: &mut Rng) -> Vec<u32> {
    (0..PROBES)
        .map(|_| {
            if rng.next().is_multiple_of(4) {
                ((rng.next() % 2048) * 2 + 1) << 16 | (rng.next() & 0xFFFF)
            } else {
                let e = table.entries()[rng.next() as usize % table.len()];
                e.key | (rng.next() & !e.mask)
            }
        })
        .collect()
}

fn lookup(c: &mut Criterion) {
    let mut rng = Rng(2024);
    let table = realistic_table(&mut rng);
    let compiled = FastTable::new(&table);
    let keys = probe_keys(&table, &mut rng);
    assert!(
        keys.iter()
            .all(|&k| compiled.lookup(k) == table.lookup_naive(k))
    );
    let mut group = c.benchmark_group("router_lookup");
    group.throughput(Throughput::Elements(PROBES as u64));
    group.bench_function("fast", |b| {
        b.iter(|| {
            keys.iter()
                .filter_map(|&k| compiled.lookup(black_box(k)))
                .count()
        })
    });
    group.bench_function("naive", |b| {
        b.iter(|| {
            keys.iter()
                .filter_map(|&k| table.lookup_naive(black_box(k)))
                .count()
        })
    });
    group.finish();
}

fn build(c: &mut Criterion) {
    let mut rng = Rng(7);
    let realistic = realistic_table(&mut rng);
    let random = random_mask_table(&mut rng);
    let mut group = c.benchmark_group("router_build");
    group.bench_function("realistic_1023", |b| {
        b.iter(|| FastTable::new(black_box(&realistic)))
    });
    group.bench_function("random_masks_1023", |b| {
        b.iter(|| FastTable::new(black_box(&random)))
    });
    group.finish();
}

criterion_group!(benches, lookup, build);
criterion_main!(benches);
