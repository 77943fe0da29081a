//! Fixed synaptic words and synaptic rows as sPyNNaker 7.x lays them out in SDRAM (spec §4.6).
//!
//! - [`SynapticWordLayout`]: how many low bits of a fixed synaptic word hold the delay, the synapse
//!   type and the post-synaptic neuron index on one core. The same bits index the ring buffers
//!   (§4.8), which is why the layout is chosen per post-synaptic core at mapping time.
//! - [`SynapticRow`] / [`RowView`]: one source neuron's row (header, plastic region, fixed words,
//!   plastic control half-words), built by the mapper and read by the core after a DMA (§4.7).
//! - [`SynapticMatrix`] / [`SynapticRegion`]: the rows of many source neurons at a fixed stride,
//!   packed 16-byte aligned into the block the master population table points into (§4.5); the region
//!   keeps that layout but stores only each row's own words (`region.rs`).

mod matrix;
mod region;
mod row;
#[cfg(test)]
mod tests;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use matrix::SynapticMatrix;
pub use region::SynapticRegion;
pub use row::{
    MAX_ROW_LENGTH_WORDS, MAX_ROW_SYNAPSES, ROW_HEADER_WORDS, RowView, SynapticRow, pack_half_words,
};

/// Most bits the delay, type and index fields may use together: the ring buffers have
/// 2^(D+T+I) 16-bit entries and must fit in DTCM, 16,384 entries = 32 KB (§4.8,
/// `MAX_RING_BUFFER_BITS`).
pub const MAX_RING_BUFFER_BITS: u8 = 14;

/// Most synapse-type bits: [`FixedSynapse::synapse_type`] is a `u8`. Real neuron models have two to
/// four synapse types (§4.6), so nothing realistic is refused.
pub const MAX_TYPE_BITS: u8 = 8;

/// Bits needed to tell `n_values` values apart, as sPyNNaker's `get_n_bits` computes it: 0 for 0
/// values, **1 for 1 value** (not `ceil(log2(1)) = 0`), otherwise `ceil(log2(n))`. Used for all
/// three fields (§4.6), so a one-neuron core still gets one index bit, as on the real machine.
pub fn bits_for_values(n_values: u32) -> u8 {
    match n_values {
        0 => 0,
        1 => 1,
        n => (u32::BITS - (n - 1).leading_zeros()) as u8,
    }
}

/// Why a synaptic word, row, matrix or layout was refused.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum SynapseError {
    /// D + T + I exceeds [`MAX_RING_BUFFER_BITS`]: the ring buffers would not fit in DTCM.
    LayoutTooWide {
        /// Requested neuron-index bits.
        index_bits: u8,
        /// Requested synapse-type bits.
        type_bits: u8,
        /// Requested delay bits.
        delay_bits: u8,
    },
    /// More than [`MAX_TYPE_BITS`] synapse-type bits.
    TooManyTypeBits(u8),
    /// A field value needs more bits than the layout gives it.
    FieldTooWide {
        /// `"delay"`, `"synapse type"` or `"neuron index"`.
        field: &'static str,
        /// The value given.
        value: u32,
        /// The bits the layout has for it.
        bits: u8,
    },
    /// A delay outside 1..=2^D time steps (§4.8: the minimum delay is one step).
    DelayOutOfRange {
        /// Delay in time steps.
        steps: u32,
        /// 2^D, the longest delay the core's ring buffers hold.
        max_steps: u32,
    },
    /// A row with more than [`MAX_ROW_SYNAPSES`] synapses (fixed plus plastic).
    TooManySynapses(usize),
    /// A row whose words after the header exceed the row length it must fit in.
    RowTooLong {
        /// Words after the three header words.
        words: usize,
        /// The limit: [`MAX_ROW_LENGTH_WORDS`] or the matrix's row length.
        limit: usize,
    },
    /// Row words whose header counts do not match the number of words.
    MalformedRow {
        /// Words the header says the row needs.
        needed: usize,
        /// Words available.
        available: usize,
    },
    /// A matrix row length outside 1..=256 (the address list stores it minus 1 in 8 bits, §4.5).
    BadRowLength(u16),
    /// Matrix words that are not a whole number of rows.
    RaggedMatrix {
        /// Words given.
        words: usize,
        /// Words per row, `row_length + 3`.
        stride: usize,
    },
    /// The synaptic region grew past what a 24-bit address in 16-byte units can reach (§4.5).
    RegionTooLarge {
        /// Byte offset the next matrix would start at.
        offset_bytes: usize,
    },
}

impl fmt::Display for SynapseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SynapseError::LayoutTooWide {
                index_bits: i,
                type_bits: t,
                delay_bits: d,
            } => write!(
                f,
                "synaptic word layout uses {i} index + {t} type + {d} delay bits = {} bits; the ring \
                 buffers (2^(D+T+I) entries) only fit DTCM with at most {MAX_RING_BUFFER_BITS} bits, \
                 so use fewer delay bits and a delay extension core",
                u32::from(*i) + u32::from(*t) + u32::from(*d)
            ),
            SynapseError::TooManyTypeBits(t) => {
                write!(
                    f,
                    "{t} synapse-type bits; at most {MAX_TYPE_BITS} are supported"
                )
            }
            SynapseError::FieldTooWide { field, value, bits } => write!(
                f,
                "{field} {value} does not fit in the layout's {bits}-bit {field} field (max {})",
                (1u64 << bits) - 1
            ),
            SynapseError::DelayOutOfRange { steps, max_steps } => write!(
                f,
                "delay of {steps} time steps: this core's ring buffers hold delays of 1 to \
                 {max_steps} steps; longer delays go through a delay extension core"
            ),
            SynapseError::TooManySynapses(n) => write!(
                f,
                "row has {n} synapses; a row holds at most {MAX_ROW_SYNAPSES} \
                 (POP_TABLE_MAX_ROW_LENGTH)"
            ),
            SynapseError::RowTooLong { words, limit } => write!(
                f,
                "row has {words} words after its header but must fit in {limit}"
            ),
            SynapseError::MalformedRow { needed, available } => write!(
                f,
                "row header describes {needed} words but {available} were given"
            ),
            SynapseError::BadRowLength(n) => write!(
                f,
                "matrix row length {n}: the address list stores 1 to {MAX_ROW_LENGTH_WORDS} words"
            ),
            SynapseError::RaggedMatrix { words, stride } => write!(
                f,
                "{words} matrix words are not a whole number of {stride}-word rows"
            ),
            SynapseError::RegionTooLarge { offset_bytes } => write!(
                f,
                "synaptic region offset {offset_bytes} bytes is beyond the 24-bit address list \
                 field (16-byte units, 0xFFFFFF reserved for invalid entries)"
            ),
        }
    }
}

impl std::error::Error for SynapseError {}

/// The fields of one fixed synaptic word (§4.6), as raw bit-field values.
///
/// `delay` is the raw field: 0 stands for a delay of 2^D steps (see
/// [`SynapticWordLayout::delay_field`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct FixedSynapse {
    /// Weight in ring-buffer units (top 16 bits of the word).
    pub weight: u16,
    /// Delay field, D bits.
    pub delay: u16,
    /// Synapse type (receptor), T bits.
    pub synapse_type: u8,
    /// Post-synaptic neuron index on the core, I bits.
    pub index: u16,
}

/// The split of a fixed synaptic word's low bits into delay | type | index on one core (§4.6).
///
/// MSB to LSB the word is `weight:16 | unused (zero) | delay:D | type:T | index:I`. The low D+T+I
/// bits are also the ring-buffer index once the time is added to the delay (§4.8), hence
/// D + T + I ≤ [`MAX_RING_BUFFER_BITS`]. Older sPyNNaker releases hard-wired I = 8, T = 1, D = 4.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(try_from = "LayoutFields")]
pub struct SynapticWordLayout {
    index_bits: u8,
    type_bits: u8,
    delay_bits: u8,
}

/// The unchecked serialised form of [`SynapticWordLayout`].
#[derive(Deserialize)]
struct LayoutFields {
    index_bits: u8,
    type_bits: u8,
    delay_bits: u8,
}

impl TryFrom<LayoutFields> for SynapticWordLayout {
    type Error = SynapseError;

    fn try_from(f: LayoutFields) -> Result<Self, SynapseError> {
        SynapticWordLayout::new(f.index_bits, f.type_bits, f.delay_bits)
    }
}

impl SynapticWordLayout {
    /// A layout with the given field widths; refuses D + T + I > 14 (DTCM, §4.8) and more than
    /// [`MAX_TYPE_BITS`] type bits. Zero-width fields are allowed: with D = 0 there is one ring
    /// slot and every synapse takes effect one step later.
    pub fn new(index_bits: u8, type_bits: u8, delay_bits: u8) -> Result<Self, SynapseError> {
        if type_bits > MAX_TYPE_BITS {
            return Err(SynapseError::TooManyTypeBits(type_bits));
        }
        let total = u32::from(index_bits) + u32::from(type_bits) + u32::from(delay_bits);
        if total > u32::from(MAX_RING_BUFFER_BITS) {
            return Err(SynapseError::LayoutTooWide {
                index_bits,
                type_bits,
                delay_bits,
            });
        }
        Ok(SynapticWordLayout {
            index_bits,
            type_bits,
            delay_bits,
        })
    }

    /// The layout sPyNNaker 7.x picks for a post-synaptic core (`get_max_delay`, §4.6, §4.8):
    /// I and T from the neuron and synapse-type counts, and D = the bits the longest incoming delay
    /// needs, capped at 14 − T − I. When the cap bites, [`Self::delay_slots`] is below
    /// `max_delay_steps` and the longer delays need a delay extension core.
    pub fn for_core(
        max_neurons: u32,
        n_synapse_types: u32,
        max_delay_steps: u32,
    ) -> Result<Self, SynapseError> {
        let index_bits = bits_for_values(max_neurons);
        let type_bits = bits_for_values(n_synapse_types);
        let room = MAX_RING_BUFFER_BITS.saturating_sub(index_bits + type_bits);
        let delay_bits = bits_for_values(max_delay_steps).min(room);
        Self::new(index_bits, type_bits, delay_bits)
    }

    /// I: bits of the post-synaptic neuron index.
    pub fn index_bits(self) -> u8 {
        self.index_bits
    }

    /// T: bits of the synapse type.
    pub fn type_bits(self) -> u8 {
        self.type_bits
    }

    /// D: bits of the delay.
    pub fn delay_bits(self) -> u8 {
        self.delay_bits
    }

    /// T + I, the shift of the delay field (`synapse_type_index_bits`).
    pub fn type_index_bits(self) -> u8 {
        self.type_bits + self.index_bits
    }

    /// D + T + I: the ring buffers have 2^this entries (§4.8).
    pub fn ring_buffer_bits(self) -> u8 {
        self.delay_bits + self.type_index_bits()
    }

    /// 2^D ring-buffer slots, which is also the longest delay in steps the core handles itself.
    pub fn delay_slots(self) -> u32 {
        1 << self.delay_bits
    }

    /// `synapse_delay_mask`: 2^D − 1.
    pub fn delay_mask(self) -> u32 {
        self.delay_slots() - 1
    }

    /// 2^I neurons per synapse type in a ring-buffer slot (`n_neurons_peak`).
    pub fn neurons_per_type(self) -> u32 {
        1 << self.index_bits
    }

    /// The delay field for a delay of `steps` time steps, 1..=2^D (§4.8).
    ///
    /// A delay of exactly 2^D steps is stored as field 0: the weight lands in the slot of the
    /// current step, which was already transferred at the start of this tick, so it is read 2^D
    /// ticks later. This is why the late-spike check exempts a zero delay field (§4.8).
    pub fn delay_field(self, steps: u32) -> Result<u16, SynapseError> {
        let max_steps = self.delay_slots();
        if steps == 0 || steps > max_steps {
            return Err(SynapseError::DelayOutOfRange { steps, max_steps });
        }
        Ok((steps & self.delay_mask()) as u16)
    }

    /// Packs a fixed synaptic word; the unused middle bits are zero (§4.6). `delay` is the raw
    /// field (see [`Self::delay_field`]); values wider than their field are refused.
    pub fn encode(
        self,
        weight: u16,
        delay: u16,
        synapse_type: u8,
        index: u16,
    ) -> Result<u32, SynapseError> {
        let check = |field, value: u32, bits: u8| {
            if value >> bits == 0 {
                Ok(value)
            } else {
                Err(SynapseError::FieldTooWide { field, value, bits })
            }
        };
        let delay = check("delay", u32::from(delay), self.delay_bits)?;
        let synapse_type = check("synapse type", u32::from(synapse_type), self.type_bits)?;
        let index = check("neuron index", u32::from(index), self.index_bits)?;
        Ok(u32::from(weight) << 16
            | delay << self.type_index_bits()
            | synapse_type << self.index_bits
            | index)
    }

    /// Unpacks a fixed synaptic word, ignoring the unused middle bits as the core does.
    pub fn decode(self, word: u32) -> FixedSynapse {
        let field = |shift: u8, bits: u8| (word >> shift) & ((1 << bits) - 1);
        FixedSynapse {
            weight: (word >> 16) as u16,
            delay: field(self.type_index_bits(), self.delay_bits) as u16,
            synapse_type: field(self.index_bits, self.type_bits) as u8,
            index: field(0, self.index_bits) as u16,
        }
    }
}
