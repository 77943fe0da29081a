//! The plastic part of a synaptic row for the STDP rules here (spec §4.6; upstream
//! `synapse_dynamics_stdp_mad_impl.c` `synapse_row_plastic_data_t`, `synapse_structure_weight_impl.h`).
//!
//! ```text
//! plastic region (P words)
//!   word 0        time of the last pre-synaptic spike (uint32)
//!   word 1        its trace r₁ (int16, low half; the high half is struct padding)
//!   words 2..     one uint16 weight per plastic synapse, two per word, the first in the low half
//! after the fixed words
//!   ceil(Q/2)     one uint16 control per plastic synapse: delay | type | index, the low 16 bits of the
//!                 synapse's fixed word with the same layout
//! ```
//!
//! The row is plastic when P > 0, which is what the core tests (`synapse_row_plastic_size`). Synapse k of the
//! row is weight k with control k, in the order the row was built.

use crate::runtime::synapse_row::{
    FixedSynapse, RowView, SynapseError, SynapticRow, SynapticWordLayout, pack_half_words,
};

/// Words of the pre-synaptic event history at the start of the plastic region (`pre_event_history_t`: a
/// `uint32_t` time and an `int16_t` trace, padded to 8 bytes).
pub const PRE_HISTORY_WORDS: usize = 2;

/// Most plastic synapses in one row: 2 header words + ceil(n/2) weight words + ceil(n/2) control words fit
/// the 256 words after the row header for n = 254.
pub const MAX_PLASTIC_ROW_SYNAPSES: usize = 254;

impl SynapticRow {
    /// A row with plastic synapses (STDP) and optionally fixed ones, as the host writes it: the pre-synaptic
    /// history starts at time 0 with trace 0 (no spike yet).
    ///
    /// Each plastic synapse is given as the fields of a fixed word (weight in ring-buffer units, raw delay
    /// field from [`SynapticWordLayout::delay_field`], type, neuron index); the weight goes to the plastic
    /// region, the rest to its control half-word. [`plastic_weights`] reads the weights back in this order.
    ///
    /// A row takes 2 + ceil(n/2) + F + ceil(n/2) words after its header, at most 256: so at most 254 plastic
    /// synapses fit a row; longer rows are refused ([`SynapseError::RowTooLong`]).
    pub fn plastic(
        layout: SynapticWordLayout,
        synapses: &[FixedSynapse],
        fixed_words: &[u32],
    ) -> Result<SynapticRow, SynapseError> {
        let controls = synapses
            .iter()
            .map(|s| Ok(layout.encode(0, s.delay, s.synapse_type, s.index)? as u16))
            .collect::<Result<Vec<u16>, SynapseError>>()?;
        let weights: Vec<u16> = synapses.iter().map(|s| s.weight).collect();
        let mut region = vec![0; PRE_HISTORY_WORDS];
        region.extend(pack_half_words(&weights));
        SynapticRow::new(&region, fixed_words, &controls)
    }
}

/// The half-word `i` of a `uint16_t` array packed into words.
fn half_word(words: &[u32], i: usize) -> u16 {
    (words[i / 2] >> (16 * (i % 2))) as u16
}

/// The current plastic weights of a row, in build order; `None` for a row without a plastic region or one
/// too short for its Q weights. These are the weights as last written back: a synapse is only updated
/// when its row is fetched for a spike.
pub fn plastic_weights<'a>(row: &RowView<'a>) -> Option<impl ExactSizeIterator<Item = u16> + 'a> {
    let weights = weight_words(row.plastic_region(), row.n_plastic_controls())?;
    Some((0..row.n_plastic_controls()).map(move |i| half_word(weights, i)))
}

/// The weight words of a plastic region holding `n` weights, if it is long enough.
fn weight_words(region: &[u32], n: usize) -> Option<&[u32]> {
    let words = region.get(PRE_HISTORY_WORDS..)?;
    (words.len() >= n.div_ceil(2)).then_some(words)
}

/// A plastic row in the core's DMA buffer, its plastic region writable for the update and write-back.
#[derive(Debug)]
pub struct PlasticRowMut<'a> {
    /// The P words of the plastic region.
    region: &'a mut [u32],
    /// The packed control half-words.
    controls: &'a [u32],
    n_synapses: usize,
}

impl<'a> PlasticRowMut<'a> {
    /// The plastic part of the row at `words[0]`; `None` when the row has no plastic region, a bad header,
    /// or a plastic region too short for its pre-synaptic history and Q weights.
    pub fn parse(words: &'a mut [u32]) -> Option<PlasticRowMut<'a>> {
        let view = RowView::parse(words).ok()?;
        let n_synapses = view.n_plastic_controls();
        let p = view.plastic_region().len();
        weight_words(view.plastic_region(), n_synapses)?;
        let controls_start = p + 3 + view.fixed_words().len();
        let controls_len = n_synapses.div_ceil(2);
        let (head, tail) = words.split_at_mut(1 + p);
        let controls_offset = controls_start - (1 + p);
        Some(PlasticRowMut {
            region: &mut head[1..],
            controls: &tail[controls_offset..controls_offset + controls_len],
            n_synapses,
        })
    }

    /// Plastic synapses in the row (Q).
    pub fn n_synapses(&self) -> usize {
        self.n_synapses
    }

    /// Bytes of the plastic region: what the write-back DMA moves.
    pub fn region_bytes(&self) -> u32 {
        (self.region.len() * 4) as u32
    }

    /// The last pre-synaptic spike's time and trace.
    pub fn pre_history(&self) -> (u32, i16) {
        (self.region[0], self.region[1] as i16)
    }

    /// Stores a new last pre-synaptic spike, leaving the padding half-word as it was.
    pub fn set_pre_history(&mut self, time: u32, trace: i16) {
        self.region[0] = time;
        self.region[1] = (self.region[1] & 0xFFFF_0000) | u32::from(trace as u16);
    }

    /// Control half-word `i`.
    pub fn control(&self, i: usize) -> u16 {
        half_word(self.controls, i)
    }

    /// Weight `i`.
    pub fn weight(&self, i: usize) -> u16 {
        half_word(&self.region[PRE_HISTORY_WORDS..], i)
    }

    /// Sets weight `i`.
    pub fn set_weight(&mut self, i: usize, weight: u16) {
        let shift = 16 * (i % 2);
        let word = &mut self.region[PRE_HISTORY_WORDS + i / 2];
        *word = (*word & !(0xFFFF << shift)) | u32::from(weight) << shift;
    }
}
