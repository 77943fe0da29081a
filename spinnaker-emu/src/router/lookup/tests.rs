//! The compiled lookup against its definition, [`RoutingTable::lookup_naive`].

use proptest::collection::vec;
use proptest::prelude::*;

use super::FastTable;
use crate::router::table::{Route, RoutingEntry, RoutingTable};

fn entry(key: u32, mask: u32, route: u32) -> RoutingEntry {
    RoutingEntry {
        key,
        mask,
        route: Route(route),
    }
}

fn compile(entries: Vec<RoutingEntry>) -> (RoutingTable, FastTable) {
    let table = RoutingTable::new(entries).expect("within capacity");
    let compiled = FastTable::new(&table);
    (table, compiled)
}

/// A small deterministic generator (xorshift32) for the exhaustive tests, which need tables
/// bigger than proptest shrinks comfortably.
struct XorShift(u32);

impl XorShift {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }
}

#[test]
fn spec_vectors() {
    // §9.2: entry 0 → core 1, entry 1 (catch-all) → link N; plus a never-matching entry.
    let core1 = Route::default().with_core(1).0;
    let north = Route::default().with_link(2).0;
    let (_, compiled) = compile(vec![
        entry(0xFFFF_FFFF, 0, 1),
        entry(0x1000, 0xF000, core1),
        entry(0x0000, 0x0000, north),
    ]);
    assert_eq!(compiled.lookup(0x1234), Some(Route(core1)));
    assert_eq!(compiled.lookup(0x2234), Some(Route(north)));
    assert_eq!(compiled.lookup(0xFFFF_FFFF), Some(Route(north)));
    let (_, compiled) = compile(vec![entry(0x0001_0000, 0xFFFF_0000, 1)]);
    assert_eq!(compiled.lookup(0x0001_ABCD), Some(Route(1)));
    assert_eq!(compiled.lookup(0x0002_ABCD), None);
}

#[test]
fn never_matching_entries_are_skipped_whatever_their_priority() {
    let spoiled = (0..32).map(|bit| entry(1 << bit, !(1 << bit), 7));
    let (_, compiled) = compile(spoiled.chain([entry(0, 0, 9)]).collect());
    for key in [0, 1, 0x8000_0000, 0xFFFF_FFFF, 0x1234_5678] {
        assert_eq!(compiled.lookup(key), Some(Route(9)));
    }
}

#[test]
fn lowest_index_wins_between_overlapping_entries() {
    let broad = entry(0x0000, 0x8000, 1);
    let narrow = entry(0x1234, 0xFFFF, 2);
    let (_, compiled) = compile(vec![broad, narrow]);
    assert_eq!(compiled.lookup(0x1234), Some(Route(1)));
    let (_, compiled) = compile(vec![narrow, broad]);
    assert_eq!(compiled.lookup(0x1234), Some(Route(2)));
    assert_eq!(compiled.lookup(0x1235), Some(Route(1)));
    assert_eq!(compiled.lookup(0x8000), None);
}

#[test]
fn a_full_table_of_identical_entries_answers_with_the_first() {
    let entries = (0..RoutingTable::APPLICATION_ENTRIES as u32).map(|i| entry(0x1000, 0xF000, i));
    let (_, compiled) = compile(entries.collect());
    assert_eq!(compiled.lookup(0x1FFF), Some(Route(0)));
    assert_eq!(compiled.lookup(0x2FFF), None);
}

#[test]
fn empty_and_single_entry_tables() {
    let (_, compiled) = compile(Vec::new());
    assert_eq!(compiled.lookup(0), None);
    let (_, compiled) = compile(vec![entry(0xABCD_0000, 0xFFFF_0000, 3)]);
    assert_eq!(compiled.lookup(0xABCD_1234), Some(Route(3)));
    assert_eq!(compiled.lookup(0xABCE_1234), None);
}

#[test]
fn every_key_of_a_16_bit_key_space() {
    // Dense, heavily overlapping tables over the low 16 bits: every key tried.
    for seed in [1, 0xDEAD_BEEF, 0x1234_5678] {
        let mut rng = XorShift(seed);
        let entries = (0..RoutingTable::APPLICATION_ENTRIES)
            .map(|_| {
                // Masks with few to many care bits; one entry in 16 spoiled by a (1, 0) bit.
                let mask = match rng.next() % 3 {
                    0 => rng.next() & rng.next(),
                    1 => rng.next(),
                    _ => rng.next() | rng.next(),
                } & 0xFFFF;
                let spoil = if rng.next().is_multiple_of(16) {
                    1 << (rng.next() % 32)
                } else {
                    0
                };
                entry(
                    (rng.next() & mask) | (spoil & !mask),
                    mask,
                    rng.next() & 0xFF_FFFF,
                )
            })
            .collect();
        let (table, compiled) = compile(entries);
        for key in 0..=0xFFFF {
            let key = key | rng.next() << 16;
            assert_eq!(
                compiled.lookup(key),
                table.lookup_naive(key),
                "key {key:#010x}"
            );
        }
    }
}

#[test]
fn random_masks_stay_within_the_space_budget() {
    let mut rng = XorShift(42);
    let entries = (0..RoutingTable::APPLICATION_ENTRIES)
        .map(|_| {
            let mask = rng.next();
            entry(rng.next() & mask, mask, rng.next() & 0xFF_FFFF)
        })
        .collect();
    let (table, compiled) = compile(entries);
    // A unit of budget is an entry copy (12 bytes) or a slot (16).
    let limit = (super::BUDGET_BASE + super::BUDGET_PER_ENTRY * table.len()) * 16
        + compiled.nodes.len() * size_of::<super::Node>();
    assert!(
        compiled.heap_bytes() <= limit,
        "{} > {limit}",
        compiled.heap_bytes()
    );
    for _ in 0..10_000 {
        let e = table.entries()[rng.next() as usize % table.len()];
        for key in [rng.next(), e.key | (rng.next() & !e.mask)] {
            assert_eq!(
                compiled.lookup(key),
                table.lookup_naive(key),
                "key {key:#010x}"
            );
        }
    }
}

#[test]
fn the_compiled_table_can_be_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<FastTable>();
}

/// Random entries over a per-table "universe" of varying bits, outside which every entry
/// agrees: keys collide and masks overlap a lot. About one entry in ten never matches.
fn overlapping_table() -> impl Strategy<Value = Vec<RoutingEntry>> {
    let sizes = prop_oneof![1usize..=8, 9usize..=100, 100usize..=1023];
    let universe = prop_oneof![
        any::<u32>(),
        (any::<u32>(), any::<u32>()).prop_map(|(a, b)| a & b)
    ];
    (universe, any::<u32>(), any::<u32>(), sizes).prop_flat_map(|(universe, prefix, fixed, n)| {
        let one = (any::<u32>(), any::<u32>(), any::<u32>(), 0u8..10, 0u32..32);
        vec(one, n).prop_map(move |raw| {
            raw.into_iter()
                .map(|(key, mask, route, kind, bit)| {
                    let mask = match kind {
                        0 => 0,
                        1..=3 => mask & universe,
                        _ => (mask & universe) | (fixed & !universe),
                    };
                    let key = (key & mask & universe) | (prefix & mask & !universe);
                    let key = if kind == 9 {
                        key | (1 << bit & !mask)
                    } else {
                        key
                    };
                    entry(key, mask, route & 0xFF_FFFF)
                })
                .collect()
        })
    })
}

/// PACMAN-like tables: keys `application << 16 | core << 11 | neuron`, routed per core
/// (mask 0xFFFFF800), per application (0xFFFF0000), by other prefix lengths, or as merged
/// entries with don't-care holes, as routing-table compression produces.
fn structured_table() -> impl Strategy<Value = Vec<RoutingEntry>> {
    let one = (
        0u32..4096,
        0u32..32,
        0u8..8,
        0u32..28,
        any::<u32>(),
        any::<u32>(),
    );
    (1usize..=1023).prop_flat_map(move |n| {
        vec(one.clone(), n).prop_map(|raw| {
            raw.into_iter()
                .map(|(app, core, kind, length, holes, route)| {
                    let mask = match kind {
                        0..=3 => 0xFFFF_F800,
                        4 => 0xFFFF_0000,
                        5 => !0 << length,
                        _ => 0xFFFF_F800 & !(holes & 0x0FFF_F800 & holes >> 7),
                    };
                    entry((app << 16 | core << 11) & mask, mask, route & 0xFF_FFFF)
                })
                .collect()
        })
    })
}

/// Probe keys: random keys, keys inside a chosen entry's key space (hits), and those with one
/// care bit flipped (near misses that may fall to a later entry).
fn probe_keys(entries: &[RoutingEntry], probes: &[(u32, u32, u8)]) -> Vec<u32> {
    probes
        .iter()
        .map(|&(a, b, kind)| {
            let e = entries[a as usize % entries.len()];
            let inside = e.key | (b & !e.mask);
            match kind {
                0 => a,
                1 => inside,
                _ => inside ^ (1 << (b % 32)),
            }
        })
        .collect()
}

fn probes() -> impl Strategy<Value = Vec<(u32, u32, u8)>> {
    vec((any::<u32>(), any::<u32>(), 0u8..3), 64..256)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn overlapping_tables_agree_with_the_definition(
        entries in overlapping_table(),
        probes in probes(),
    ) {
        let keys = probe_keys(&entries, &probes);
        let (table, compiled) = compile(entries);
        for key in keys {
            prop_assert_eq!(compiled.lookup(key), table.lookup_naive(key), "key {:#010x}", key);
        }
    }

    #[test]
    fn structured_tables_agree_with_the_definition(
        entries in structured_table(),
        probes in probes(),
    ) {
        let keys = probe_keys(&entries, &probes);
        let (table, compiled) = compile(entries);
        for key in keys {
            prop_assert_eq!(compiled.lookup(key), table.lookup_naive(key), "key {:#010x}", key);
        }
    }
}
