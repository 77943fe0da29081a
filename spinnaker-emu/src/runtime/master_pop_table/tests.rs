use proptest::prelude::*;

use super::*;

fn item(row_length: u16, address: u32) -> AddressListItem {
    AddressListItem::new(row_length, address).unwrap()
}

/// A source with one item and no core field or colour.
fn source(key: u32, mask: u32, items: Vec<AddressListItem>) -> PopSource {
    PopSource {
        key,
        mask,
        items,
        ..PopSource::default()
    }
}

fn lookup(table: &MasterPopTable, spike: u32) -> (Lookup, PopTableCounters) {
    let mut counters = PopTableCounters::default();
    (table.lookup(spike, &mut counters), counters)
}

#[test]
fn entry_packs_into_the_five_words_of_the_spec() {
    let entry = MasterPopEntry {
        key: 0x0001_0000,
        mask: 0xFFFF_0000,
        start: 5,
        n_colour_bits: 4,
        count: 2,
        core_mask: 0x3,
        mask_shift: 12,
        n_neurons: 256,
        n_words: 8,
    };
    let words = [
        0x0001_0000,
        0xFFFF_0000,
        0x0002_8005,
        0x000C_0003,
        0x0008_0100,
    ];
    assert_eq!(entry.to_words(), Ok(words));
    assert_eq!(MasterPopEntry::from_words(words), entry);
}

proptest! {
    #[test]
    fn entry_words_round_trip(
        key in any::<u32>(), mask in any::<u32>(), start in 0..=MAX_START,
        n_colour_bits in 0..=MAX_COLOUR_BITS, count in any::<u16>(), core_mask in any::<u16>(),
        mask_shift in 0..=MAX_MASK_SHIFT, n_neurons in any::<u16>(), n_words in any::<u16>(),
    ) {
        let entry = MasterPopEntry {
            key, mask, start, n_colour_bits, count, core_mask, mask_shift, n_neurons, n_words,
        };
        prop_assert_eq!(MasterPopEntry::from_words(entry.to_words().unwrap()), entry);
    }
}

#[test]
fn entry_fields_too_wide_are_refused() {
    let base = MasterPopEntry::default();
    let start = MasterPopEntry {
        start: MAX_START + 1,
        ..base
    };
    assert_eq!(start.to_words(), Err(PopTableError::StartTooLarge(8192)));
    let colour = MasterPopEntry {
        n_colour_bits: 8,
        ..base
    };
    assert_eq!(colour.to_words(), Err(PopTableError::TooManyColourBits(8)));
    let shift = MasterPopEntry {
        mask_shift: 32,
        ..base
    };
    assert_eq!(shift.to_words(), Err(PopTableError::MaskShiftTooLarge(32)));
    let loaded = MasterPopTable::from_parts(vec![shift], vec![], vec![]);
    assert_eq!(loaded, Err(PopTableError::MaskShiftTooLarge(32)));
}

#[test]
fn address_list_words() {
    assert_eq!(u32::from(item(1, 0)), 0);
    assert_eq!(u32::from(item(256, 0x123)), 0x0001_23FF);
    assert_eq!(AddressListItem::from(0x0001_23FF), item(256, 0x123));
    assert_eq!(AddressListItem::from(u32::MAX), AddressListItem::INVALID);
    assert!(!AddressListItem::INVALID.is_valid());
    assert_eq!(
        AddressListItem::new(0, 0),
        Err(PopTableError::BadRowLength(0))
    );
    assert_eq!(
        AddressListItem::new(257, 0),
        Err(PopTableError::BadRowLength(257))
    );
    assert_eq!(
        AddressListItem::new(1, INVALID_ADDRESS),
        Err(PopTableError::AddressTooLarge(INVALID_ADDRESS))
    );
    let it = item(10, 3);
    assert_eq!(
        (it.offset_bytes(), it.row_bytes(), it.row_offset(2)),
        (48, 52, 48 + 104)
    );
}

#[test]
fn neuron_id_and_colour_come_from_the_low_key_bits() {
    let entry = MasterPopEntry {
        key: 0x0001_0000,
        mask: 0xFFFF_0000,
        n_colour_bits: 4,
        ..MasterPopEntry::default()
    };
    assert_eq!(entry.source(0x0001_00A3), (0xA, 3));
    assert_eq!(
        MasterPopEntry {
            n_colour_bits: 0,
            ..entry
        }
        .source(0x0001_00A3),
        (0xA3, 0)
    );

    // Core field in bits 11-13: core 2 of cores with 100 neurons each.
    let cores = MasterPopEntry {
        core_mask: 0x7,
        mask_shift: 11,
        n_neurons: 100,
        ..entry
    };
    let spike = 0x0001_0000 | 2 << 11 | 17 << 4 | 9;
    assert_eq!(cores.core_index(spike), 2);
    assert_eq!(cores.source(spike), (217, 9));
}

/// Three sources; the middle one feeds two matrices and has a placeholder between them.
fn three_sources() -> MasterPopTable {
    MasterPopTable::build(vec![
        source(0x0002_0000, 0xFFFF_0000, vec![item(5, 100)]),
        PopSource {
            n_colour_bits: 4,
            ..source(
                0x0001_0000,
                0xFFFF_0000,
                vec![item(10, 2), AddressListItem::INVALID, item(3, 40)],
            )
        },
        source(0x0003_0000, 0xFFFF_F000, vec![AddressListItem::INVALID]),
    ])
    .unwrap()
}

#[test]
fn build_sorts_entries_and_lays_out_their_items() {
    let table = three_sources();
    let keys: Vec<_> = table
        .entries()
        .iter()
        .map(|e| (e.key, e.start, e.count))
        .collect();
    assert_eq!(
        keys,
        [
            (0x0001_0000, 0, 3),
            (0x0002_0000, 3, 1),
            (0x0003_0000, 4, 1)
        ]
    );
    assert_eq!(table.address_list()[3], item(5, 100));
    assert_eq!(table.dtcm_bytes(), 3 * 20 + 5 * 4);
}

#[test]
fn a_hit_fetches_one_row_per_valid_item() {
    let table = three_sources();
    let (result, counters) = lookup(&table, 0x0001_0073); // neuron 7, colour 3
    let hit = *result.hit().unwrap();
    assert_eq!(
        (hit.entry, hit.neuron_id, hit.colour, hit.n_colour_bits),
        (0, 7, 3, 4)
    );
    let rows: Vec<_> = table.rows(&hit).collect();
    let expected = [
        RowFetch {
            item_index: 0,
            item: item(10, 2),
            offset_bytes: 32 + 7 * 52,
            n_bytes: 52,
        },
        RowFetch {
            item_index: 2,
            item: item(3, 40),
            offset_bytes: 640 + 7 * 24,
            n_bytes: 24,
        },
    ];
    assert_eq!(rows, expected);
    assert_eq!(counters, PopTableCounters::default());
}

#[test]
fn failures_bump_their_own_counters() {
    let table = three_sources();
    let (miss, counters) = lookup(&table, 0x0004_0000);
    assert_eq!(miss.outcome, Outcome::Miss);
    assert_eq!(counters.invalid_master_pop_hits, 1);

    let (ghost, counters) = lookup(&table, 0x0003_0042);
    assert!(matches!(ghost.outcome, Outcome::Ghost(hit) if hit.neuron_id == 0x42));
    assert_eq!(
        (counters.ghost_searches, counters.invalid_master_pop_hits),
        (1, 0)
    );

    let empty = MasterPopTable::build(vec![source(0x100, 0xFFFF_FF00, vec![])]).unwrap();
    let (none, counters) = lookup(&empty, 0x101);
    assert!(
        matches!(none.outcome, Outcome::Ghost(_)),
        "no items at all is a ghost search"
    );
    assert_eq!(counters.ghost_searches, 1);
}

#[test]
fn bit_field_filters_before_any_dma() {
    let with_field = |bits| PopSource {
        bit_field: Some(bits),
        ..source(0x100, 0xFFFF_FF00, vec![item(1, 0)])
    };
    // Neuron 33 only (word 1, bit 1).
    let table = MasterPopTable::build(vec![with_field(vec![0, 0b10])]).unwrap();
    assert!(lookup(&table, 0x100 + 33).0.hit().is_some());
    for neuron in [32, 34, 0, 64] {
        let (result, counters) = lookup(&table, 0x100 + neuron);
        assert!(
            matches!(result.outcome, Outcome::Filtered(_)),
            "neuron {neuron}"
        );
        assert_eq!(counters.bit_field_filtered_packets, 1);
    }
    assert_eq!(table.bit_field(0), Some(&[0, 0b10][..]));
}

#[test]
fn search_probes_like_the_core() {
    let sources = (0..7)
        .map(|i| source(i << 8, 0xFFFF_FF00, vec![item(1, i)]))
        .collect();
    let table = MasterPopTable::build(sources).unwrap();
    // mid 3 first; then 1 or 5; then the rest.
    let probes = |spike| lookup(&table, spike).0.probes;
    assert_eq!(probes(0x3FF), 1);
    assert_eq!((probes(0x100), probes(0x500)), (2, 2));
    assert_eq!((probes(0x000), probes(0x600)), (3, 3));
    assert_eq!(probes(0x7000), 3, "a miss above the table");
}

#[test]
fn build_refuses_what_the_search_cannot_handle() {
    let one = |key, mask| source(key, mask, vec![]);
    assert_eq!(
        MasterPopTable::build(vec![one(0x101, 0xFFFF_FF00)]),
        Err(PopTableError::KeyOutsideMask {
            key: 0x101,
            mask: 0xFFFF_FF00
        })
    );
    assert_eq!(
        MasterPopTable::build(vec![one(0, 0xFF00_FF00)]),
        Err(PopTableError::MaskNotPrefix {
            key: 0,
            mask: 0xFF00_FF00
        })
    );
    let nested = vec![one(0x1000, 0xFFFF_F000), one(0x1100, 0xFFFF_FF00)];
    assert_eq!(
        MasterPopTable::build(nested),
        Err(PopTableError::Overlap {
            first: (0x1000, 0xFFFF_F000),
            second: (0x1100, 0xFFFF_FF00)
        })
    );
    let same = vec![one(0x1000, 0xFFFF_F000), one(0x1000, 0xFFFF_F000)];
    assert!(matches!(
        MasterPopTable::build(same),
        Err(PopTableError::Overlap { .. })
    ));
    let many = vec![source(0, 0, vec![AddressListItem::INVALID; 70_000])];
    assert_eq!(
        MasterPopTable::build(many),
        Err(PopTableError::TooManyItems(70_000))
    );
}

#[test]
fn loaded_tables_are_searched_as_they_are() {
    let entry = |key, mask| MasterPopEntry {
        key,
        mask,
        ..MasterPopEntry::default()
    };
    // Overlap: spike 0x500 matches the first entry, but the search probes the second,
    // goes up past it, probes the third, and gives up.
    let overlapping = vec![
        entry(0, 0xFFFF_F000),
        entry(0x100, 0xFFFF_FF00),
        entry(0x2000, 0xFFFF_F000),
    ];
    let table = MasterPopTable::from_parts(overlapping, vec![], vec![]).unwrap();
    assert!(table.entries()[0].matches(0x500));
    let (result, counters) = lookup(&table, 0x500);
    assert_eq!((result.outcome, result.probes), (Outcome::Miss, 2));
    assert_eq!(counters.invalid_master_pop_hits, 1);

    // Disjoint but not intervals: even keys, and keys = 3 mod 4 (the build() doc example).
    let interleaved = vec![entry(0, 1), entry(3, 3)];
    let table = MasterPopTable::from_parts(interleaved, vec![], vec![]).unwrap();
    assert!(table.entries()[0].matches(4));
    assert_eq!(lookup(&table, 4).0.outcome, Outcome::Miss);
}

#[test]
fn loaded_tables_must_stay_in_bounds() {
    let entry = MasterPopEntry {
        start: 1,
        count: 2,
        ..MasterPopEntry::default()
    };
    assert_eq!(
        MasterPopTable::from_parts(vec![entry], vec![item(1, 0); 2], vec![]),
        Err(PopTableError::ItemsOutOfRange {
            entry: 0,
            end: 3,
            len: 2
        })
    );
    assert_eq!(
        MasterPopTable::from_parts(vec![entry], vec![item(1, 0); 3], vec![None, None]),
        Err(PopTableError::BitFieldCount {
            bit_fields: 2,
            entries: 1
        })
    );
}

/// Up to 40 disjoint prefix key spaces (greedy: candidates overlapping an earlier one are dropped).
fn disjoint_sources() -> impl Strategy<Value = Vec<PopSource>> {
    prop::collection::vec((any::<u32>(), 0u32..=32), 1..60).prop_map(|candidates| {
        let mut chosen: Vec<(u32, u32)> = Vec::new();
        for (bits, prefix) in candidates {
            let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
            let key = bits & mask;
            let overlaps = chosen.iter().any(|&(k, m)| (k ^ key) & m & mask == 0);
            if !overlaps && chosen.len() < 40 {
                chosen.push((key, mask));
            }
        }
        chosen
            .into_iter()
            .map(|(key, mask)| source(key, mask, vec![item(1, 0)]))
            .collect()
    })
}

proptest! {
    #[test]
    fn binary_search_agrees_with_a_linear_scan(
        sources in disjoint_sources(),
        picks in prop::collection::vec((any::<prop::sample::Index>(), any::<u32>()), 20),
        randoms in prop::collection::vec(any::<u32>(), 20),
    ) {
        let table = MasterPopTable::build(sources).unwrap();
        let n = table.entries().len();
        let max_probes = n.next_power_of_two().trailing_zeros() + 1;
        // Spikes inside the key spaces (an entry's key with random low bits) and anywhere.
        let inside = picks.iter().map(|(pick, low)| {
            let entry = &table.entries()[pick.index(n)];
            entry.key | (low & !entry.mask)
        });
        for spike in inside.chain(randoms) {
            let expected = table.entries().iter().position(|e| e.matches(spike));
            let (result, _) = lookup(&table, spike);
            let found = match result.outcome {
                Outcome::Rows(hit) => Some(hit.entry),
                Outcome::Miss => None,
                other => panic!("unexpected {other:?}"),
            };
            prop_assert_eq!(found, expected, "spike {:#010x}", spike);
            prop_assert!(result.probes <= max_probes, "{} probes for {} entries", result.probes, n);
        }
    }
}
