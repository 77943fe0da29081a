//! Synaptic matrices and the synaptic region that holds them (spec §4.5, §4.6).
//!
//! The core finds a row by arithmetic, not by pointer: row address = region base + matrix offset +
//! `neuron_id × (row_length + 3) × 4` (§4.5). So every row of a matrix occupies the same stride of
//! `row_length + 3` words, short rows padded with zeros, and each matrix starts on a 16-byte
//! boundary because the address list counts offsets in 16-byte units.

use serde::{Deserialize, Serialize};

use super::SynapseError;
use super::row::{MAX_ROW_LENGTH_WORDS, ROW_HEADER_WORDS, SynapticRow};

/// The rows of consecutive source neurons, each padded to `row_length + 3` words.
///
/// Invariants: `row_length` is 1..=256 and the words are a whole number of strides.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(try_from = "MatrixFields")]
pub struct SynapticMatrix {
    row_length: u16,
    words: Vec<u32>,
}

/// The unchecked serialised form of [`SynapticMatrix`].
#[derive(Deserialize)]
struct MatrixFields {
    row_length: u16,
    words: Vec<u32>,
}

impl TryFrom<MatrixFields> for SynapticMatrix {
    type Error = SynapseError;

    fn try_from(f: MatrixFields) -> Result<SynapticMatrix, SynapseError> {
        let stride = checked_stride(f.row_length)?;
        if !f.words.len().is_multiple_of(stride) {
            return Err(SynapseError::RaggedMatrix {
                words: f.words.len(),
                stride,
            });
        }
        Ok(SynapticMatrix {
            row_length: f.row_length,
            words: f.words,
        })
    }
}

/// `row_length + 3` after checking the row length fits the address list's 8-bit field.
pub(super) fn checked_stride(row_length: u16) -> Result<usize, SynapseError> {
    let length = usize::from(row_length);
    if !(1..=MAX_ROW_LENGTH_WORDS).contains(&length) {
        return Err(SynapseError::BadRowLength(row_length));
    }
    Ok(length + ROW_HEADER_WORDS)
}

impl SynapticMatrix {
    /// A matrix whose row length is that of its longest row (at least 1, the smallest the address
    /// list can express). `rows[i]` is the row of source neuron `i`.
    pub fn new(rows: &[SynapticRow]) -> Result<SynapticMatrix, SynapseError> {
        let longest = rows
            .iter()
            .map(SynapticRow::length_words)
            .max()
            .unwrap_or(0);
        SynapticMatrix::with_row_length(longest.max(1) as u16, rows)
    }

    /// A matrix with a given row length, e.g. the maximum over a whole projection as the host
    /// tools choose it; refuses rows longer than that.
    pub fn with_row_length(
        row_length: u16,
        rows: &[SynapticRow],
    ) -> Result<SynapticMatrix, SynapseError> {
        let stride = checked_stride(row_length)?;
        let mut words = Vec::with_capacity(stride * rows.len());
        for row in rows {
            if row.length_words() > usize::from(row_length) {
                return Err(SynapseError::RowTooLong {
                    words: row.length_words(),
                    limit: usize::from(row_length),
                });
            }
            words.extend_from_slice(row.row_words());
            words.resize(words.len() + stride - row.row_words().len(), 0);
        }
        Ok(SynapticMatrix { row_length, words })
    }

    /// Words after the header in every row slot (1..=256).
    pub fn row_length(&self) -> u16 {
        self.row_length
    }

    /// Words per row slot, `row_length + 3`; also the words one row DMA transfers.
    pub fn stride_words(&self) -> usize {
        usize::from(self.row_length) + ROW_HEADER_WORDS
    }

    /// Number of source neurons with a row slot.
    pub fn n_rows(&self) -> usize {
        self.words.len() / self.stride_words()
    }

    /// The row slot of source neuron `neuron_id` (row plus zero padding): exactly what the DMA
    /// for this row fetches. `None` past the last row.
    pub fn row(&self, neuron_id: usize) -> Option<&[u32]> {
        let stride = self.stride_words();
        let start = neuron_id.checked_mul(stride)?;
        self.words.get(start..start.checked_add(stride)?)
    }

    /// All row slots back to back, as written to SDRAM.
    pub fn words(&self) -> &[u32] {
        &self.words
    }

    /// SDRAM bytes the matrix occupies.
    pub fn size_bytes(&self) -> usize {
        self.words.len() * 4
    }
}
