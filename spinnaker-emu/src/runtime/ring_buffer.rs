//! The ring buffers that hold synaptic input until its delay has passed, and the colour-based
//! lateness handling of sPyNNaker 7.x `synapses.c` (spec §4.8); the input spike buffer that feeds
//! spike processing (§4.4) is in [`InputSpikeBuffer`].
//!
//! One uint16 per (delay slot, synapse type, neuron), 2^(D+T+I) in all, at index
//! `slot << (T+I) | type << I | neuron`: the low bits of a fixed synaptic word plus the time, so
//! the core finds the entry with one add and one mask. Weights saturate at 0xFFFF rather than
//! wrap. At each tick the slot of the current time is handed to the neurons and cleared
//! (`neuron_transfer`).

mod input_spikes;
#[cfg(test)]
mod tests;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::runtime::master_pop_table::MAX_COLOUR_BITS;
use crate::runtime::synapse_row::{FixedSynapse, SynapticWordLayout};

pub use input_spikes::{DEFAULT_INPUT_BUFFER_SIZE, InputSpikeBuffer};

/// Why ring buffers could not be made.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum RingBufferError {
    /// Zero synapse types, or more than the layout's type bits can index.
    BadTypeCount {
        /// Synapse types requested.
        n_synapse_types: u16,
        /// Type bits of the layout.
        type_bits: u8,
    },
    /// Serialised values whose count is not 2^(D+T+I).
    WrongSize {
        /// Values given.
        values: usize,
        /// Values the layout needs.
        expected: usize,
    },
}

impl fmt::Display for RingBufferError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RingBufferError::BadTypeCount {
                n_synapse_types,
                type_bits,
            } => write!(
                f,
                "{n_synapse_types} synapse types with {type_bits} type bits: need 1 to {}",
                1u32 << type_bits
            ),
            RingBufferError::WrongSize { values, expected } => write!(
                f,
                "{values} ring-buffer values but the layout needs 2^(D+T+I) = {expected}"
            ),
        }
    }
}

impl std::error::Error for RingBufferError {}

/// Counters `synapses.c` keeps and reports as provenance (§6.2).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct SynapseCounters {
    /// "Times_synaptic_weights_have_saturated": additions clipped at 0xFFFF.
    pub saturations: u32,
    /// "Skipped synapses": synapses dropped because the spike arrived after their delay.
    pub skipped_synapses: u32,
    /// "Late spikes": sum of the low bit of each processed row's colour delay (see
    /// [`RingBuffers::begin_row`]).
    pub late_spikes: u32,
    /// "Max late spike": the largest colour delay seen.
    pub max_late_spike: u32,
}

/// Where a synapse's weight goes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Target {
    /// Ring-buffer slot (0..2^D) the weight is added to.
    Slot(u32),
    /// The spike arrived too late for this synapse; nothing is added.
    Skipped,
}

/// The timing of one row being processed: the current time and how many ticks late the spike
/// arrived, from its colour (§4.3, §4.8).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Arrival {
    time: u32,
    colour_delay: u32,
}

impl Arrival {
    /// `colour_delay = ((time & cmask) − spike_colour) & cmask` with `cmask = 2^n_colour_bits − 1`:
    /// the sender's colour is its time step modulo 2^n, so this is how many ticks ago the spike
    /// was sent, modulo 2^n. Always 0 without colour bits.
    ///
    /// # Panics
    /// If `n_colour_bits` exceeds [`MAX_COLOUR_BITS`], which no table entry can hold.
    pub fn new(time: u32, spike_colour: u32, n_colour_bits: u8) -> Arrival {
        assert!(
            n_colour_bits <= MAX_COLOUR_BITS,
            "{n_colour_bits} colour bits; entries hold at most {MAX_COLOUR_BITS}"
        );
        let colour_mask = (1u32 << n_colour_bits) - 1;
        let colour_delay = (time & colour_mask).wrapping_sub(spike_colour) & colour_mask;
        Arrival { time, colour_delay }
    }

    /// Ticks between sending and processing, as far as the colour tells.
    pub fn colour_delay(&self) -> u32 {
        self.colour_delay
    }

    /// The step the spike was sent in, `time − colour_delay`: the time STDP stamps a pre-synaptic
    /// spike with (`synapse_dynamics_process_plastic_synapses`).
    pub fn sent_time(&self) -> u32 {
        self.time.wrapping_sub(self.colour_delay)
    }

    /// The slot for a synapse with delay field `delay` (§4.8).
    ///
    /// The delay counts from when the spike was sent, so the slot is
    /// `(time − colour_delay + delay) & delay_mask`. A synapse whose non-zero delay is at most the
    /// colour delay is already due or overdue and is skipped. A zero delay field means 2^D steps
    /// (see [`SynapticWordLayout::delay_field`]) and is never skipped, as upstream.
    #[inline]
    pub fn target(&self, layout: SynapticWordLayout, delay: u16) -> Target {
        let delay = u32::from(delay);
        if delay != 0 && delay <= self.colour_delay {
            return Target::Skipped;
        }
        let sent = self.time.wrapping_sub(self.colour_delay);
        Target::Slot(sent.wrapping_add(delay) & layout.delay_mask())
    }
}

/// One non-zero entry handed over by [`RingBuffers::transfer`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct SlotInput {
    /// Synapse type (receptor).
    pub synapse_type: u8,
    /// Neuron index on the core.
    pub neuron: u16,
    /// Summed weight in ring-buffer units; the neuron side shifts it into s16.15 (§4.8).
    pub value: u16,
}

/// A core's ring buffers and the counters of the code that fills them.
///
/// Invariant: `values.len()` is 2^(D+T+I) and `n_synapse_types` is 1..=2^T.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(try_from = "RingBufferFields")]
pub struct RingBuffers {
    layout: SynapticWordLayout,
    n_synapse_types: u16,
    values: Vec<u16>,
    counters: SynapseCounters,
}

/// The unchecked serialised form of [`RingBuffers`].
#[derive(Deserialize)]
struct RingBufferFields {
    layout: SynapticWordLayout,
    n_synapse_types: u16,
    values: Vec<u16>,
    counters: SynapseCounters,
}

impl TryFrom<RingBufferFields> for RingBuffers {
    type Error = RingBufferError;

    fn try_from(f: RingBufferFields) -> Result<RingBuffers, RingBufferError> {
        let mut buffers = RingBuffers::new(f.layout, f.n_synapse_types)?;
        if f.values.len() != buffers.values.len() {
            return Err(RingBufferError::WrongSize {
                values: f.values.len(),
                expected: buffers.values.len(),
            });
        }
        buffers.values = f.values;
        buffers.counters = f.counters;
        Ok(buffers)
    }
}

impl RingBuffers {
    /// Zeroed buffers for `layout`. `n_synapse_types` (1..=2^T) is how many types
    /// [`RingBuffers::transfer`] walks, as `neuron_transfer` walks the model's types rather than
    /// 2^T.
    pub fn new(
        layout: SynapticWordLayout,
        n_synapse_types: u16,
    ) -> Result<RingBuffers, RingBufferError> {
        if n_synapse_types == 0 || u32::from(n_synapse_types) > 1 << layout.type_bits() {
            return Err(RingBufferError::BadTypeCount {
                n_synapse_types,
                type_bits: layout.type_bits(),
            });
        }
        Ok(RingBuffers {
            layout,
            n_synapse_types,
            values: vec![0; 1 << layout.ring_buffer_bits()],
            counters: SynapseCounters::default(),
        })
    }

    /// The word layout the buffers are indexed by.
    pub fn layout(&self) -> SynapticWordLayout {
        self.layout
    }

    /// The counters so far.
    pub fn counters(&self) -> &SynapseCounters {
        &self.counters
    }

    /// Buffer index of (`time`'s slot, type, neuron); types and neurons beyond their field
    /// widths are masked off like the bits of a synaptic word.
    fn index(&self, time: u32, synapse_type: u8, neuron: u16) -> usize {
        let layout = self.layout;
        let type_mask = (1u32 << layout.type_bits()) - 1;
        let index_mask = layout.neurons_per_type() - 1;
        ((time & layout.delay_mask()) << layout.type_index_bits()
            | (u32::from(synapse_type) & type_mask) << layout.index_bits()
            | u32::from(neuron) & index_mask) as usize
    }

    /// The value waiting for (`time`'s slot, type, neuron), for inspection.
    pub fn get(&self, time: u32, synapse_type: u8, neuron: u16) -> u16 {
        self.values[self.index(time, synapse_type, neuron)]
    }

    /// Adds the synapse's weight to slot `(time + delay) & delay_mask`, saturating at 0xFFFF
    /// (counted once per clipped addition, as `synapses.c` does when bit 16 of the sum is set).
    /// Returns the new value. `time` is the step the delay counts from.
    pub fn add(&mut self, time: u32, synapse: FixedSynapse) -> u16 {
        let (value, saturated) = self.accumulate(time, synapse);
        self.counters.saturations += u32::from(saturated);
        value
    }

    /// Adds the weight to slot `(time + delay) & delay_mask`, clipping at 0xFFFF; returns the new
    /// value and whether it clipped. The caller counts the clip in its own counter.
    fn accumulate(&mut self, time: u32, synapse: FixedSynapse) -> (u16, bool) {
        let slot_time = time.wrapping_add(u32::from(synapse.delay));
        let index = self.index(slot_time, synapse.synapse_type, synapse.index);
        let sum = u32::from(self.values[index]) + u32::from(synapse.weight);
        let value = sum.min(0xFFFF) as u16;
        self.values[index] = value;
        (value, sum > 0xFFFF)
    }

    /// Starts processing one row of a spike with colour `spike_colour` at step `time`
    /// (`synapses_process_synaptic_row`) and updates the lateness counters.
    ///
    /// Upstream counts per *row processed*, not per spike: a spike fetching an undelayed and a
    /// delayed row, or a row re-used for a repeated spike, counts each time.
    pub fn begin_row(&mut self, time: u32, spike_colour: u32, n_colour_bits: u8) -> Arrival {
        let arrival = Arrival::new(time, spike_colour, n_colour_bits);
        // Upstream adds `colour_delay & 0x1`: the low bit, so a spike 2 ticks late is not counted
        // and one 3 ticks late counts once. It reads like a slip for `colour_delay > 0`, but the
        // provenance users compare against comes from that code (§4.8, §10), so it is reproduced.
        self.counters.late_spikes += arrival.colour_delay & 1;
        self.counters.max_late_spike = self.counters.max_late_spike.max(arrival.colour_delay);
        arrival
    }

    /// Processes one fixed synapse of a row begun with [`RingBuffers::begin_row`]: skip it (and
    /// count it) if too late, else add its weight to its slot. Inlined: it is the innermost loop of spike
    /// processing, and left out of line it cost the whole pipeline a third of its speed (measured).
    #[inline]
    pub fn add_synapse(&mut self, arrival: &Arrival, synapse: FixedSynapse) -> Target {
        let target = arrival.target(self.layout, synapse.delay);
        match target {
            Target::Skipped => self.counters.skipped_synapses += 1,
            Target::Slot(slot) => {
                let sent = FixedSynapse {
                    delay: 0,
                    ..synapse
                };
                self.add(slot, sent);
            }
        }
        target
    }

    /// Adds a plastic synapse's updated weight for a row begun with [`RingBuffers::begin_row`]
    /// (`synapse_dynamics_stdp_update_ring_buffers`). Returns `None` when skipped (counted in
    /// "Skipped synapses"), else whether the addition clipped at 0xFFFF, which the STDP code counts
    /// in its own `plastic_saturation_count` rather than in [`SynapseCounters::saturations`].
    ///
    /// The lateness test differs from [`Arrival::target`]: upstream adds the weight only when
    /// `delay > colour_delay`, with no exemption for a zero delay field, so a plastic synapse whose
    /// delay is stored as 0 (2^D steps) is always skipped. Reproduced as written.
    pub fn add_plastic_synapse(
        &mut self,
        arrival: &Arrival,
        synapse: FixedSynapse,
    ) -> Option<bool> {
        if u32::from(synapse.delay) <= arrival.colour_delay {
            self.counters.skipped_synapses += 1;
            return None;
        }
        Some(self.accumulate(arrival.sent_time(), synapse).1)
    }

    /// Hands over slot `time & delay_mask` (`neuron_transfer`, §4.2 step 3): yields each non-zero
    /// entry, type by type and neuron by neuron over all 2^I neurons, and leaves the walked part of
    /// the slot zero, also when the iterator is dropped early.
    pub fn transfer(&mut self, time: u32) -> Transfer<'_> {
        let start = self.index(time, 0, 0);
        let len = usize::from(self.n_synapse_types) << self.layout.index_bits();
        Transfer {
            entries: &mut self.values[start..start + len],
            next: 0,
            index_bits: self.layout.index_bits(),
        }
    }
}

/// Iterator returned by [`RingBuffers::transfer`].
pub struct Transfer<'a> {
    entries: &'a mut [u16],
    next: usize,
    index_bits: u8,
}

impl Iterator for Transfer<'_> {
    type Item = SlotInput;

    fn next(&mut self) -> Option<SlotInput> {
        while self.next < self.entries.len() {
            let position = self.next;
            self.next += 1;
            let value = std::mem::take(&mut self.entries[position]);
            if value != 0 {
                return Some(SlotInput {
                    synapse_type: (position >> self.index_bits) as u8,
                    neuron: (position & ((1 << self.index_bits) - 1)) as u16,
                    value,
                });
            }
        }
        None
    }
}

impl Drop for Transfer<'_> {
    fn drop(&mut self) {
        self.entries[self.next..].fill(0);
    }
}
