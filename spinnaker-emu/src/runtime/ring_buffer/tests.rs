use proptest::prelude::*;

use super::*;

/// 256 neurons, 2 synapse types, 16 delay slots (the older fixed layout).
fn layout() -> SynapticWordLayout {
    SynapticWordLayout::new(8, 1, 4).unwrap()
}

fn buffers() -> RingBuffers {
    RingBuffers::new(layout(), 2).unwrap()
}

fn synapse(weight: u16, delay: u16, synapse_type: u8, index: u16) -> FixedSynapse {
    FixedSynapse {
        weight,
        delay,
        synapse_type,
        index,
    }
}

fn drain(rb: &mut RingBuffers, time: u32) -> Vec<(u8, u16, u16)> {
    rb.transfer(time)
        .map(|s| (s.synapse_type, s.neuron, s.value))
        .collect()
}

#[test]
fn sizes_follow_the_layout() {
    let rb = buffers();
    assert_eq!(rb.values.len(), 1 << 13);
    assert!(RingBuffers::new(layout(), 0).is_err());
    assert_eq!(
        RingBuffers::new(layout(), 3),
        Err(RingBufferError::BadTypeCount {
            n_synapse_types: 3,
            type_bits: 1
        })
    );
}

#[test]
fn saturation_is_counted_once_per_clipped_addition() {
    let mut rb = buffers();
    assert_eq!(rb.add(0, synapse(0x8000, 1, 0, 3)), 0x8000);
    assert_eq!(rb.add(0, synapse(0x7FFF, 1, 0, 3)), 0xFFFF);
    assert_eq!(rb.counters().saturations, 0, "0xFFFF exactly fits");
    assert_eq!(rb.add(0, synapse(1, 1, 0, 3)), 0xFFFF);
    assert_eq!(rb.add(0, synapse(0xFFFF, 1, 0, 3)), 0xFFFF);
    assert_eq!(rb.add(0, synapse(0, 1, 0, 3)), 0xFFFF);
    assert_eq!(rb.counters().saturations, 2);
    assert_eq!(
        rb.add(0, synapse(0x8000, 1, 1, 3)),
        0x8000,
        "other type, other entry"
    );
}

#[test]
fn transfer_hands_over_one_slot_and_clears_it() {
    let mut rb = buffers();
    rb.add(10, synapse(5, 2, 1, 200));
    rb.add(10, synapse(7, 2, 0, 9));
    rb.add(11, synapse(1, 1, 0, 9));
    rb.add(10, synapse(3, 3, 0, 9)); // slot 13, stays
    assert_eq!(drain(&mut rb, 12), [(0, 9, 8), (1, 200, 5)]);
    assert_eq!(rb.get(12, 0, 9), 0);
    assert_eq!(drain(&mut rb, 12), []);
    assert_eq!(rb.get(13, 0, 9), 3);
    assert_eq!(drain(&mut rb, 13), [(0, 9, 3)]);
}

#[test]
fn dropping_a_transfer_early_still_clears_the_slot() {
    let mut rb = buffers();
    for neuron in 0..5 {
        rb.add(0, synapse(1, 1, 0, neuron));
    }
    assert_eq!(rb.transfer(1).take(2).count(), 2);
    assert_eq!(drain(&mut rb, 1), []);
}

#[test]
fn transfer_walks_only_the_model_synapse_types() {
    let two_type_bits = SynapticWordLayout::new(4, 2, 2).unwrap();
    let mut rb = RingBuffers::new(two_type_bits, 3).unwrap();
    rb.add(0, synapse(9, 1, 2, 1));
    rb.add(0, synapse(4, 1, 3, 1)); // a type the model does not have
    assert_eq!(drain(&mut rb, 1), [(2, 1, 9)]);
    assert_eq!(rb.get(1, 3, 1), 4, "never handed over, never cleared");
}

proptest! {
    #[test]
    fn weights_wait_exactly_their_delay(time in any::<u32>(), delay in 1u16..16, weight in 1u16..) {
        let mut rb = buffers();
        rb.add(time, synapse(weight, delay, 1, 77));
        for later in 1..=16u32 {
            let now = time.wrapping_add(later);
            let expected: &[(u8, u16, u16)] =
                if later == u32::from(delay) { &[(1, 77, weight)] } else { &[] };
            prop_assert_eq!(drain(&mut rb, now), expected, "{} ticks later", later);
        }
    }
}

#[test]
fn delays_wrap_around_the_slots() {
    let mut rb = buffers();
    rb.add(14, synapse(6, 5, 0, 1));
    assert_eq!(rb.get(3, 0, 1), 6, "slot (14 + 5) mod 16");
    assert_eq!(drain(&mut rb, 19), [(0, 1, 6)]);
    // Field 0 stands for 16 steps: it lands in the slot of the current step, already handed over.
    rb.add(20, synapse(2, 0, 0, 1));
    assert_eq!(drain(&mut rb, 36), [(0, 1, 2)]);
}

#[test]
fn colour_delay_is_the_masked_difference() {
    assert_eq!(Arrival::new(37, 5, 4).colour_delay(), 0);
    assert_eq!(Arrival::new(37, 3, 4).colour_delay(), 2);
    // Time colour 8, spike colour 13: sent 11 ticks ago, across the wrap of the colour.
    assert_eq!(Arrival::new(24, 13, 4).colour_delay(), 11);
    assert_eq!(
        Arrival::new(24, 13, 0).colour_delay(),
        0,
        "no colour bits, never late"
    );
    assert_eq!(Arrival::new(3, 0, 7).colour_delay(), 3);
}

#[test]
fn late_spikes_skip_synapses_that_are_already_due() {
    let mut rb = buffers();
    let arrival = rb.begin_row(37, 3, 4); // 2 ticks late, sent at 35
    assert_eq!(arrival.target(layout(), 1), Target::Skipped);
    assert_eq!(arrival.target(layout(), 2), Target::Skipped);
    assert_eq!(arrival.target(layout(), 3), Target::Slot(38 & 15));
    assert_eq!(
        arrival.target(layout(), 0),
        Target::Slot(35 & 15),
        "a full ring, never skipped"
    );

    assert_eq!(
        rb.add_synapse(&arrival, synapse(4, 2, 0, 8)),
        Target::Skipped
    );
    assert_eq!(
        rb.add_synapse(&arrival, synapse(5, 3, 0, 8)),
        Target::Slot(6)
    );
    assert_eq!(
        rb.add_synapse(&arrival, synapse(6, 1, 1, 8)),
        Target::Skipped
    );
    assert_eq!(drain(&mut rb, 38), [(0, 8, 5)], "delay 3 from step 35");
    assert_eq!(rb.counters().skipped_synapses, 2);
}

#[test]
fn late_spike_counter_adds_the_low_bit_of_the_lateness() {
    let mut rb = buffers();
    let lateness = [(40, 8), (40, 6), (40, 5), (40, 7), (41, 9)]; // 0, 2, 3, 1 and 0 ticks late
    for (time, colour) in lateness {
        rb.begin_row(time, colour, 4);
    }
    let counters = rb.counters();
    assert_eq!((counters.late_spikes, counters.max_late_spike), (2, 3));
    assert_eq!(counters.skipped_synapses, 0);
}

#[test]
fn serialised_buffers_are_checked() {
    let rb = buffers();
    let fields = |values| RingBufferFields {
        layout: rb.layout(),
        n_synapse_types: 2,
        values,
        counters: SynapseCounters::default(),
    };
    assert_eq!(
        RingBuffers::try_from(fields(vec![0; 1 << 13])),
        Ok(rb.clone())
    );
    assert_eq!(
        RingBuffers::try_from(fields(vec![0; 5])),
        Err(RingBufferError::WrongSize {
            values: 5,
            expected: 1 << 13
        })
    );
}

#[test]
fn input_buffer_keeps_one_slot_free_and_counts_overflows() {
    let mut buffer = InputSpikeBuffer::default();
    assert_eq!(buffer.capacity(), 255);
    for key in 0..255 {
        assert!(buffer.push(key));
    }
    assert!(!buffer.push(999));
    assert!(!buffer.push(1000));
    assert_eq!((buffer.len(), buffer.overflows()), (255, 2));
    assert_eq!(buffer.pop(), Some(0));
    assert!(buffer.push(255));
    buffer.record_fill();
    assert_eq!(buffer.clear(), 255);
    assert!(buffer.is_empty() && buffer.pop().is_none());
    assert_eq!(buffer.max_fill(), 255);
}

#[test]
fn input_buffer_sizes_round_up_to_a_power_of_two() {
    assert_eq!(InputSpikeBuffer::new(100).capacity(), 127);
    assert_eq!(InputSpikeBuffer::new(128).capacity(), 127);
    assert_eq!(InputSpikeBuffer::new(2).capacity(), 1);
    let mut none = InputSpikeBuffer::new(1);
    assert!(!none.push(1));
    assert_eq!((none.capacity(), none.overflows()), (0, 1));
    assert_eq!(InputSpikeBuffer::new(0).capacity(), 0);
}

#[test]
fn max_fill_is_what_was_recorded() {
    let mut buffer = InputSpikeBuffer::new(16);
    buffer.push(1);
    buffer.push(2);
    buffer.record_fill();
    buffer.push(3);
    assert_eq!(
        buffer.max_fill(),
        2,
        "fill is sampled, not tracked per packet"
    );
    buffer.record_fill();
    buffer.pop();
    buffer.record_fill();
    assert_eq!(buffer.max_fill(), 3);
}
