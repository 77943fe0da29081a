use proptest::prelude::*;

use super::*;

/// A layout with random widths within the limits, and a valid synapse for it.
fn layout_and_synapse() -> impl Strategy<Value = (SynapticWordLayout, FixedSynapse)> {
    (
        0u8..=MAX_TYPE_BITS,
        0u8..=MAX_RING_BUFFER_BITS,
        0u8..=MAX_RING_BUFFER_BITS,
    )
        .prop_filter("fits the ring buffer", |(t, i, d)| {
            t + i + d <= MAX_RING_BUFFER_BITS
        })
        .prop_flat_map(|(t, i, d)| {
            let layout = SynapticWordLayout::new(i, t, d).unwrap();
            let max = |bits: u8| (1u32 << bits) - 1;
            (
                Just(layout),
                any::<u16>(),
                0..=max(d),
                0..=max(t),
                0..=max(i),
            )
        })
        .prop_map(|(layout, weight, delay, synapse_type, index)| {
            let synapse = FixedSynapse {
                weight,
                delay: delay as u16,
                synapse_type: synapse_type as u8,
                index: index as u16,
            };
            (layout, synapse)
        })
}

proptest! {
    #[test]
    fn word_round_trips_with_unused_bits_zero((layout, s) in layout_and_synapse()) {
        let word = layout.encode(s.weight, s.delay, s.synapse_type, s.index).unwrap();
        prop_assert_eq!(layout.decode(word), s);
        let used_low = u32::from(layout.ring_buffer_bits());
        let middle = (0xFFFFu32 >> used_low) << used_low;
        prop_assert_eq!(word & middle, 0, "unused middle bits of {:#010x}", word);
    }

    #[test]
    fn decode_ignores_middle_bits((layout, s) in layout_and_synapse(), junk in any::<u16>()) {
        let word = layout.encode(s.weight, s.delay, s.synapse_type, s.index).unwrap();
        let used_low = u32::from(layout.ring_buffer_bits());
        let middle = (u32::from(junk) >> used_low) << used_low;
        prop_assert_eq!(layout.decode(word | middle), s);
    }
}

#[test]
fn hand_packed_word_matches_the_spec_layout() {
    // 256 neurons, 2 types, 16 slots: index bits 0-7, type bit 8, delay bits 9-12.
    let layout = SynapticWordLayout::new(8, 1, 4).unwrap();
    assert_eq!(layout.encode(0x1234, 3, 1, 0xAB), Ok(0x1234_07AB));
    let s = layout.decode(0x1234_07AB);
    assert_eq!(
        (s.weight, s.delay, s.synapse_type, s.index),
        (0x1234, 3, 1, 0xAB)
    );
}

#[test]
fn fields_wider_than_the_layout_are_refused() {
    let layout = SynapticWordLayout::new(8, 1, 4).unwrap();
    let too_wide = |field, value, bits| Err(SynapseError::FieldTooWide { field, value, bits });
    assert_eq!(layout.encode(1, 16, 0, 0), too_wide("delay", 16, 4));
    assert_eq!(layout.encode(1, 0, 2, 0), too_wide("synapse type", 2, 1));
    assert_eq!(
        layout.encode(1, 0, 0, 256),
        too_wide("neuron index", 256, 8)
    );
    assert!(layout.encode(u16::MAX, 15, 1, 255).is_ok());
}

#[test]
fn layouts_must_fit_dtcm() {
    assert!(SynapticWordLayout::new(8, 1, 5).is_ok());
    assert_eq!(
        SynapticWordLayout::new(8, 1, 6),
        Err(SynapseError::LayoutTooWide {
            index_bits: 8,
            type_bits: 1,
            delay_bits: 6
        })
    );
    assert_eq!(
        SynapticWordLayout::new(0, 9, 0),
        Err(SynapseError::TooManyTypeBits(9))
    );
    let message = SynapticWordLayout::new(8, 1, 6).unwrap_err().to_string();
    assert!(
        message.contains("15 bits") && message.contains("delay extension"),
        "{message}"
    );
}

#[test]
fn bits_follow_get_n_bits() {
    let cases = [
        (0, 0),
        (1, 1),
        (2, 1),
        (3, 2),
        (4, 2),
        (5, 3),
        (16, 4),
        (17, 5),
        (256, 8),
    ];
    for (n, bits) in cases {
        assert_eq!(bits_for_values(n), bits, "{n} values");
    }
    assert_eq!(bits_for_values(u32::MAX), 32);
}

#[test]
fn core_layout_caps_the_delay_bits() {
    let layout = SynapticWordLayout::for_core(256, 2, 16).unwrap();
    assert_eq!(
        (layout.index_bits(), layout.type_bits(), layout.delay_bits()),
        (8, 1, 4)
    );
    // 144 steps would need 8 bits; only 14 - 9 = 5 are left: 32 slots plus a delay extension.
    let capped = SynapticWordLayout::for_core(256, 2, 144).unwrap();
    assert_eq!((capped.delay_bits(), capped.delay_slots()), (5, 32));
    assert!(SynapticWordLayout::for_core(1 << 13, 4, 16).is_err());
}

#[test]
fn delay_of_a_whole_ring_is_stored_as_zero() {
    let layout = SynapticWordLayout::new(8, 1, 4).unwrap();
    assert_eq!(layout.delay_field(1), Ok(1));
    assert_eq!(layout.delay_field(15), Ok(15));
    assert_eq!(layout.delay_field(16), Ok(0));
    let out = |steps| {
        Err(SynapseError::DelayOutOfRange {
            steps,
            max_steps: 16,
        })
    };
    assert_eq!(layout.delay_field(0), out(0));
    assert_eq!(layout.delay_field(17), out(17));
}

#[test]
fn hand_built_row_has_the_exact_sdram_words() {
    let row = SynapticRow::new(
        &[0xAAAA_0001, 0xBBBB_0002],
        &[0x1111_0203, 0x2222_0304, 0x3333_0405],
        &[0x0102, 0x0304, 0x0506],
    )
    .unwrap();
    let expected = [
        2,
        0xAAAA_0001,
        0xBBBB_0002,
        3,
        3,
        0x1111_0203,
        0x2222_0304,
        0x3333_0405,
        0x0304_0102,
        0x0000_0506,
    ];
    assert_eq!(row.row_words(), expected);
    assert_eq!(row.length_words(), 7);

    let view = row.view();
    assert_eq!(view.plastic_region(), [0xAAAA_0001, 0xBBBB_0002]);
    assert_eq!(view.fixed_words(), [0x1111_0203, 0x2222_0304, 0x3333_0405]);
    assert_eq!(view.n_plastic_controls(), 3);
    assert_eq!(
        view.plastic_controls().collect::<Vec<_>>(),
        [0x0102, 0x0304, 0x0506]
    );
    assert_eq!((view.n_synapses(), view.length_words()), (6, 7));
}

#[test]
fn static_row_reads_back_its_synapses() {
    let layout = SynapticWordLayout::new(8, 1, 4).unwrap();
    let words = [
        layout.encode(100, 1, 0, 5).unwrap(),
        layout.encode(200, 15, 1, 255).unwrap(),
    ];
    let row = SynapticRow::fixed(&words).unwrap();
    assert_eq!(row.row_words(), [0, 2, 0, 0x0064_0205, 0x00C8_1FFF]);
    let synapses: Vec<_> = row.view().fixed_synapses(layout).collect();
    assert_eq!(
        synapses[1],
        FixedSynapse {
            weight: 200,
            delay: 15,
            synapse_type: 1,
            index: 255
        }
    );
    assert_eq!(SynapticRow::empty().row_words(), [0, 0, 0]);
}

#[test]
fn rows_hold_at_most_256_synapses_and_words() {
    assert!(SynapticRow::fixed(&[0; 256]).is_ok());
    assert_eq!(
        SynapticRow::fixed(&[0; 257]),
        Err(SynapseError::TooManySynapses(257))
    );
    assert_eq!(
        SynapticRow::new(&[], &[0; 200], &[0; 57]),
        Err(SynapseError::TooManySynapses(257))
    );
    // 100 synapses but 200 + 100 words.
    assert_eq!(
        SynapticRow::new(&[0; 200], &[0; 100], &[]),
        Err(SynapseError::RowTooLong {
            words: 300,
            limit: 256
        })
    );
}

#[test]
fn row_headers_must_match_their_words() {
    assert_eq!(
        RowView::parse(&[0, 5, 0, 1, 2]),
        Err(SynapseError::MalformedRow {
            needed: 8,
            available: 5
        })
    );
    assert!(RowView::parse(&[]).is_err());
    assert!(RowView::parse(&[u32::MAX, 0, 0]).is_err());
    // Padding after a row is fine for a view, not for an owned row.
    assert_eq!(
        RowView::parse(&[0, 1, 0, 7, 0, 0]).unwrap().fixed_words(),
        [7]
    );
    assert!(SynapticRow::try_from(vec![0, 1, 0, 7, 0]).is_err());
    assert_eq!(
        SynapticRow::try_from(vec![0, 1, 0, 7]).unwrap().row_words(),
        [0, 1, 0, 7]
    );
}

#[test]
fn serialised_layouts_are_checked() {
    let ok = LayoutFields {
        index_bits: 8,
        type_bits: 1,
        delay_bits: 4,
    };
    assert!(SynapticWordLayout::try_from(ok).is_ok());
    let bad = LayoutFields {
        index_bits: 8,
        type_bits: 2,
        delay_bits: 5,
    };
    assert!(SynapticWordLayout::try_from(bad).is_err());
}

#[test]
fn matrix_pads_rows_to_a_common_stride() {
    let rows = [
        SynapticRow::fixed(&[0xA, 0xB]).unwrap(),
        SynapticRow::empty(),
        SynapticRow::fixed(&[0xC, 0xD, 0xE]).unwrap(),
    ];
    let matrix = SynapticMatrix::new(&rows).unwrap();
    assert_eq!(
        (matrix.row_length(), matrix.stride_words(), matrix.n_rows()),
        (3, 6, 3)
    );
    assert_eq!(matrix.row(0), Some(&[0, 2, 0, 0xA, 0xB, 0][..]));
    assert_eq!(matrix.row(1), Some(&[0, 0, 0, 0, 0, 0][..]));
    assert_eq!(matrix.row(2), Some(&[0, 3, 0, 0xC, 0xD, 0xE][..]));
    assert_eq!(matrix.row(3), None);
    assert_eq!(matrix.size_bytes(), 3 * 6 * 4);

    let empty = SynapticMatrix::new(&[SynapticRow::empty()]).unwrap();
    assert_eq!(
        empty.row_length(),
        1,
        "the address list cannot express 0 words"
    );
}

#[test]
fn matrix_row_length_is_checked() {
    let rows = [SynapticRow::fixed(&[1, 2, 3]).unwrap()];
    assert_eq!(
        SynapticMatrix::with_row_length(2, &rows),
        Err(SynapseError::RowTooLong { words: 3, limit: 2 })
    );
    assert_eq!(
        SynapticMatrix::with_row_length(0, &rows),
        Err(SynapseError::BadRowLength(0))
    );
    assert_eq!(
        SynapticMatrix::with_row_length(257, &rows),
        Err(SynapseError::BadRowLength(257))
    );
    assert_eq!(
        SynapticMatrix::with_row_length(256, &rows)
            .unwrap()
            .stride_words(),
        259
    );
}

#[test]
fn region_aligns_matrices_and_points_items_at_their_rows() {
    let first = SynapticMatrix::new(&[SynapticRow::fixed(&[1]).unwrap()]).unwrap(); // 4 words
    let rows = [
        SynapticRow::fixed(&[2, 3]).unwrap(),
        SynapticRow::fixed(&[4]).unwrap(),
    ];
    let second = SynapticMatrix::new(&rows).unwrap(); // 2 rows of 5 words

    let mut region = SynapticRegion::new();
    let a = region.push(&first).unwrap();
    let b = region.push(&first).unwrap();
    let c = region.push(&second).unwrap();
    assert_eq!((a.address(), b.address(), c.address()), (0, 1, 2));
    assert_eq!((c.row_length(), c.row_bytes()), (2, 20));
    assert_eq!(region.size_bytes(), 32 + 40);

    // A row reads as its words, without its slot's padding.
    let fetched = region.read(c.row_offset(1), c.row_bytes()).unwrap();
    assert_eq!(fetched, rows[1].row_words());
    assert_eq!(second.row(1).unwrap(), [0, 1, 0, 4, 0]);
    assert_eq!(region.words()[13..18], second.row(1).unwrap()[..]);
    assert_eq!(region.read(c.row_offset(2), c.row_bytes()), None);
    assert_eq!(region.read(2, 4), None, "unaligned");

    let d = region.push(&second).unwrap();
    assert_eq!(d.address(), 5, "72 bytes round up to 80");
    assert_eq!(&region.words()[18..20], [0, 0], "alignment fill");
}

#[test]
fn rows_written_in_place_give_the_words_of_the_built_matrix() {
    let rows = [
        SynapticRow::fixed(&[1, 2, 3]).unwrap(),
        SynapticRow::empty(),
        SynapticRow::new(&[9, 9], &[4], &[5, 6, 7]).unwrap(),
    ];
    let mut built = SynapticRegion::new();
    let mut in_place = SynapticRegion::new();
    // Something before, so the second matrix starts at an aligned offset past zero fill.
    let first = SynapticMatrix::new(&[SynapticRow::fixed(&[8]).unwrap()]).unwrap();
    for region in [&mut built, &mut in_place] {
        region.push(&first).unwrap();
    }
    let a = built.push(&SynapticMatrix::new(&rows).unwrap()).unwrap();
    let b = in_place
        .push_rows(5, rows.len(), |r, out| {
            out.extend_from_slice(rows[r].row_words());
            Ok(())
        })
        .unwrap();
    assert_eq!((a, built.words()), (b, in_place.words()));
    // A row longer than its slot is refused and leaves the region as it was.
    let before = in_place.clone();
    let err = in_place.push_rows(2, 3, |r, out| {
        SynapticRow::write(&[], &[7; 3][..r + 1], &[], out)
    });
    assert!(matches!(
        err,
        Err(SynapseError::RowTooLong { words: 3, limit: 2 })
    ));
    assert_eq!(in_place, before);
}

#[test]
fn empty_rows_are_not_stored_but_read_as_zeroed_slots() {
    let rows = [
        SynapticRow::empty(),
        SynapticRow::fixed(&[7]).unwrap(),
        SynapticRow::empty(),
    ];
    let matrix = SynapticMatrix::new(&rows).unwrap();
    let mut region = SynapticRegion::new();
    let item = region.push(&matrix).unwrap();
    assert_eq!(region.words(), matrix.words());
    let (at, bytes) = (item.row_offset(2), item.row_bytes());
    assert_eq!(region.read(at, bytes), Some(&[0u32; 4][..]));
    // Whatever is done to an empty row's scratch slot, it reads as zeros again and is never stored.
    region.read_mut(at, bytes).unwrap()[0] = 9;
    assert_eq!(region.read_mut(at, bytes).unwrap(), [0; 4]);
    assert_eq!(region.words(), matrix.words());
    assert_eq!(region.read(at + 4, bytes), None, "not a row slot");
}
