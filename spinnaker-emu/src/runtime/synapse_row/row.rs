//! One source neuron's synaptic row in the SDRAM format of spec §4.6:
//!
//! ```text
//! word 0          P, words in the plastic region
//! words 1..=P     plastic region (opaque here; the plasticity rule owns its layout)
//! word P+1        F, fixed synaptic words
//! word P+2        Q, 16-bit plastic control half-words
//! then            F fixed words, then ceil(Q/2) words of packed control half-words
//! ```
//!
//! The three count words are the row header: every row costs `(length + 3) × 4` bytes of DMA.

use serde::{Deserialize, Serialize};

use super::{FixedSynapse, SynapseError, SynapticWordLayout};

/// Words before and between the regions of a row (P, F and Q; `N_SYNAPSE_ROW_HEADER_WORDS`).
pub const ROW_HEADER_WORDS: usize = 3;

/// Most synapses (fixed plus plastic) in one row (`POP_TABLE_MAX_ROW_LENGTH`, §4.6).
pub const MAX_ROW_SYNAPSES: usize = 256;

/// Most words after the header: the address list stores a row length of 1 to 256 words, and the
/// core's DMA buffers hold 0xFF + 3 = 259 words (§4.5, §4.6).
pub const MAX_ROW_LENGTH_WORDS: usize = 256;

/// An owned row, built by the mapper and written into a [`super::SynapticMatrix`].
///
/// Invariants: the header matches the words exactly, at most [`MAX_ROW_SYNAPSES`] synapses and at
/// most [`MAX_ROW_LENGTH_WORDS`] words after the header.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(try_from = "Vec<u32>", into = "Vec<u32>")]
pub struct SynapticRow {
    words: Vec<u32>,
}

impl SynapticRow {
    /// A row with no synapses: the three header words, all zero. Source neurons without
    /// synapses on the core still own a row slot in the matrix.
    pub fn empty() -> SynapticRow {
        SynapticRow {
            words: vec![0; ROW_HEADER_WORDS],
        }
    }

    /// A static row: only fixed synaptic words (P = 0, Q = 0).
    pub fn fixed(fixed_words: &[u32]) -> Result<SynapticRow, SynapseError> {
        SynapticRow::new(&[], fixed_words, &[])
    }

    /// A row with a plastic region (opaque words), fixed words and plastic control half-words.
    ///
    /// Control half-words are packed two per word, the first in the low half (the core walks them
    /// as a little-endian `uint16_t` array); an odd count leaves the last high half zero.
    pub fn new(
        plastic_region: &[u32],
        fixed_words: &[u32],
        plastic_controls: &[u16],
    ) -> Result<SynapticRow, SynapseError> {
        let mut words = Vec::new();
        SynapticRow::write(plastic_region, fixed_words, plastic_controls, &mut words)?;
        Ok(SynapticRow { words })
    }

    /// Appends a row's words, header first, to `out`, as [`SynapticRow::new`] lays them out: for callers that
    /// build a matrix in place ([`super::SynapticRegion::push_rows`]) instead of collecting rows first. On an
    /// error nothing is appended.
    pub fn write(
        plastic_region: &[u32],
        fixed_words: &[u32],
        plastic_controls: &[u16],
        out: &mut Vec<u32>,
    ) -> Result<(), SynapseError> {
        let n_synapses = fixed_words.len() + plastic_controls.len();
        if n_synapses > MAX_ROW_SYNAPSES {
            return Err(SynapseError::TooManySynapses(n_synapses));
        }
        let length = plastic_region.len() + fixed_words.len() + plastic_controls.len().div_ceil(2);
        if length > MAX_ROW_LENGTH_WORDS {
            return Err(SynapseError::RowTooLong {
                words: length,
                limit: MAX_ROW_LENGTH_WORDS,
            });
        }
        out.reserve(ROW_HEADER_WORDS + length);
        out.push(plastic_region.len() as u32);
        out.extend_from_slice(plastic_region);
        out.push(fixed_words.len() as u32);
        out.push(plastic_controls.len() as u32);
        out.extend_from_slice(fixed_words);
        out.extend(pack_half_words(plastic_controls));
        Ok(())
    }

    /// The row as it sits in SDRAM, header included.
    pub fn row_words(&self) -> &[u32] {
        &self.words
    }

    /// Words after the header; the row fits a matrix whose row length is at least this.
    pub fn length_words(&self) -> usize {
        self.words.len() - ROW_HEADER_WORDS
    }

    /// The row's regions.
    pub fn view(&self) -> RowView<'_> {
        RowView::parse(&self.words).expect("a built row has a consistent header")
    }
}

/// Packs a `uint16_t` array into words as the little-endian core reads it: two per word, the first in
/// the low half; an odd count leaves the last high half zero.
pub fn pack_half_words(values: &[u16]) -> impl Iterator<Item = u32> + '_ {
    values.chunks(2).map(|pair| {
        let high = pair.get(1).map_or(0, |&h| u32::from(h) << 16);
        u32::from(pair[0]) | high
    })
}

impl TryFrom<Vec<u32>> for SynapticRow {
    type Error = SynapseError;

    /// Accepts words holding exactly one row within the row limits.
    fn try_from(words: Vec<u32>) -> Result<SynapticRow, SynapseError> {
        let view = RowView::parse(&words)?;
        if view.n_synapses() > MAX_ROW_SYNAPSES {
            return Err(SynapseError::TooManySynapses(view.n_synapses()));
        }
        let length = view.length_words();
        if length > MAX_ROW_LENGTH_WORDS {
            return Err(SynapseError::RowTooLong {
                words: length,
                limit: MAX_ROW_LENGTH_WORDS,
            });
        }
        if length + ROW_HEADER_WORDS != words.len() {
            return Err(SynapseError::MalformedRow {
                needed: length + ROW_HEADER_WORDS,
                available: words.len(),
            });
        }
        Ok(SynapticRow { words })
    }
}

impl From<SynapticRow> for Vec<u32> {
    fn from(row: SynapticRow) -> Vec<u32> {
        row.words
    }
}

/// The regions of a row read from memory, e.g. a DMA buffer on the core (§4.7).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct RowView<'a> {
    plastic: &'a [u32],
    fixed: &'a [u32],
    controls: &'a [u32],
    n_controls: usize,
}

impl<'a> RowView<'a> {
    /// Reads the row starting at `words[0]`. Words after the row (padding up to the matrix
    /// stride) are ignored; a header describing more words than there are is refused, since the
    /// core would read past its DMA buffer.
    pub fn parse(words: &'a [u32]) -> Result<RowView<'a>, SynapseError> {
        let available = words.len();
        let need = |needed: usize| {
            if needed <= available {
                Ok(())
            } else {
                Err(SynapseError::MalformedRow { needed, available })
            }
        };
        need(1)?;
        let n_plastic = words[0] as usize;
        let fixed_header = n_plastic.saturating_add(1);
        need(fixed_header.saturating_add(2))?;
        let n_fixed = words[fixed_header] as usize;
        let n_controls = words[fixed_header + 1] as usize;
        let fixed_start = fixed_header + 2;
        let controls_start = fixed_start.saturating_add(n_fixed);
        let end = controls_start.saturating_add(n_controls.div_ceil(2));
        need(end)?;
        Ok(RowView {
            plastic: &words[1..fixed_header],
            fixed: &words[fixed_start..controls_start],
            controls: &words[controls_start..end],
            n_controls,
        })
    }

    /// The plastic region (P words), opaque to everything but the plasticity rule.
    pub fn plastic_region(&self) -> &'a [u32] {
        self.plastic
    }

    /// The fixed synaptic words (F words).
    pub fn fixed_words(&self) -> &'a [u32] {
        self.fixed
    }

    /// The fixed synapses decoded with the core's layout, in row order.
    pub fn fixed_synapses(
        &self,
        layout: SynapticWordLayout,
    ) -> impl ExactSizeIterator<Item = FixedSynapse> + 'a {
        self.fixed.iter().map(move |&word| layout.decode(word))
    }

    /// Q, the number of plastic control half-words.
    pub fn n_plastic_controls(&self) -> usize {
        self.n_controls
    }

    /// The plastic control half-words in order (low half of each word first).
    pub fn plastic_controls(&self) -> impl Iterator<Item = u16> + 'a {
        self.controls
            .iter()
            .flat_map(|&word| [word as u16, (word >> 16) as u16])
            .take(self.n_controls)
    }

    /// Synapses in the row: fixed words plus plastic controls.
    pub fn n_synapses(&self) -> usize {
        self.fixed.len() + self.n_controls
    }

    /// Words the row uses after its header.
    pub fn length_words(&self) -> usize {
        self.plastic.len() + self.fixed.len() + self.controls.len()
    }
}
