//! Synaptic matrices and the synaptic region that holds them (spec §4.5, §4.6).
//!
//! The core finds a row by arithmetic, not by pointer: row address = region base + matrix offset +
//! `neuron_id × (row_length + 3) × 4` (§4.5). So every row of a matrix occupies the same stride of
//! `row_length + 3` words, short rows padded with zeros, and each matrix starts on a 16-byte
//! boundary because the address list counts offsets in 16-byte units.

use serde::{Deserialize, Serialize};

use super::SynapseError;
use super::row::{MAX_ROW_LENGTH_WORDS, ROW_HEADER_WORDS, SynapticRow};
use crate::runtime::master_pop_table::{AddressListItem, INVALID_ADDRESS};

/// Bytes per address-list address unit (§4.5, `INDIRECT_ADDRESS_SHIFT = 4`).
const ADDRESS_UNIT_BYTES: usize = 16;

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
fn checked_stride(row_length: u16) -> Result<usize, SynapseError> {
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

/// The synaptic-matrix region of one core: matrices at 16-byte-aligned offsets from its base,
/// the base the address list's offsets are relative to (§4.5).
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct SynapticRegion {
    words: Vec<u32>,
}

impl SynapticRegion {
    /// An empty region.
    pub fn new() -> SynapticRegion {
        SynapticRegion::default()
    }

    /// Appends `matrix` at the next 16-byte boundary (zero fill before it) and returns the
    /// address-list item that points at it. Refuses offsets the 24-bit address field cannot hold.
    pub fn push(&mut self, matrix: &SynapticMatrix) -> Result<AddressListItem, SynapseError> {
        let (start_words, item) = self.next_item(matrix.row_length())?;
        self.words.resize(start_words, 0);
        self.words.extend_from_slice(matrix.words());
        Ok(item)
    }

    /// Appends a matrix of `n_rows` row slots of `row_length` words without building it first:
    /// `row(r, words)` appends row r, header first, to the region's words (as [`SynapticRow::write`]
    /// does) and each slot is zero-padded, giving the words [`Self::push`] of the same rows' matrix
    /// gives. Refuses a row longer than its slot; on any error the region is left as it was.
    ///
    /// [`SynapticRow::write`]: super::SynapticRow::write
    pub fn push_rows(
        &mut self,
        row_length: u16,
        n_rows: usize,
        mut row: impl FnMut(usize, &mut Vec<u32>) -> Result<(), SynapseError>,
    ) -> Result<AddressListItem, SynapseError> {
        let stride = checked_stride(row_length)?;
        let (start_words, item) = self.next_item(row_length)?;
        let before = self.words.len();
        self.words.resize(start_words, 0);
        self.words.reserve(stride * n_rows);
        for r in 0..n_rows {
            let slot = self.words.len();
            let written = row(r, &mut self.words).and_then(|()| {
                let used = self.words.len() - slot;
                if used > stride {
                    return Err(SynapseError::RowTooLong {
                        words: used - ROW_HEADER_WORDS,
                        limit: usize::from(row_length),
                    });
                }
                Ok(())
            });
            if let Err(e) = written {
                self.words.truncate(before);
                return Err(e);
            }
            self.words.resize(slot + stride, 0);
        }
        Ok(item)
    }

    /// Where the next matrix (of rows of `row_length` words) starts, in words, and its address-list item.
    fn next_item(&self, row_length: u16) -> Result<(usize, AddressListItem), SynapseError> {
        let start_words = self.words.len().next_multiple_of(ADDRESS_UNIT_BYTES / 4);
        let offset_bytes = start_words * 4;
        let address = offset_bytes / ADDRESS_UNIT_BYTES;
        if address >= INVALID_ADDRESS as usize {
            return Err(SynapseError::RegionTooLarge { offset_bytes });
        }
        let item = AddressListItem::new(row_length, address as u32)
            .expect("a checked row length and address make a valid item");
        Ok((start_words, item))
    }

    /// The region's words, as written to SDRAM.
    pub fn words(&self) -> &[u32] {
        &self.words
    }

    /// SDRAM bytes the region occupies.
    pub fn size_bytes(&self) -> usize {
        self.words.len() * 4
    }

    /// Gives back the capacity left over from growing the region matrix by matrix (up to as much again as its
    /// words): once a core's region is complete, thousands of cores' spare capacity would add up.
    pub fn shrink_to_fit(&mut self) {
        self.words.shrink_to_fit();
    }

    /// The words a DMA of `n_bytes` from `offset_bytes` past the region base reads, as the core
    /// requests a row (§4.5, §4.7). `None` when unaligned or outside the region, where the real
    /// core would read whatever SDRAM holds there.
    pub fn read(&self, offset_bytes: u32, n_bytes: u32) -> Option<&[u32]> {
        self.words.get(Self::word_range(offset_bytes, n_bytes)?)
    }

    /// The same words as [`Self::read`], writable: a row whose plastic region the core updates and
    /// DMAs back to SDRAM (§4.7). The emulator processes the row in place, so the read and the
    /// write-back are one borrow; their SDRAM time is charged separately.
    pub fn read_mut(&mut self, offset_bytes: u32, n_bytes: u32) -> Option<&mut [u32]> {
        self.words.get_mut(Self::word_range(offset_bytes, n_bytes)?)
    }

    /// Word indices of a word-aligned byte range.
    fn word_range(offset_bytes: u32, n_bytes: u32) -> Option<std::ops::Range<usize>> {
        if !offset_bytes.is_multiple_of(4) || !n_bytes.is_multiple_of(4) {
            return None;
        }
        let start = offset_bytes as usize / 4;
        Some(start..start.checked_add(n_bytes as usize / 4)?)
    }
}
